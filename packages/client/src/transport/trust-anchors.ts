/**
 * The certificates the client trusts to verify the server: a PEM bundle (`ca_file`) and/or a
 * grid CA directory (`ca_dir`, `$X509_CERT_DIR`, `/etc/grid-security/certificates`: hashed
 * `<hash>.0` files, plus any `*.pem`). Node's TLS has no "CA path" option, so the directory
 * is read into a list. Nothing given → undefined, and Node's built-in roots apply.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const HASHED_CERT = /^[0-9a-f]{8}\.\d+$/;
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export interface TrustAnchorSource {
  readonly caFile?: string | undefined;
  readonly caDir?: string | undefined;
}

export function loadTrustAnchors(source: TrustAnchorSource): string[] | undefined {
  if (!source.caFile && !source.caDir) return undefined;
  const anchors: string[] = [];
  if (source.caFile) anchors.push(...certificatesIn(readFileSync(source.caFile, 'latin1')));
  if (source.caDir) {
    for (const entry of readdirSync(source.caDir).sort()) {
      if (!HASHED_CERT.test(entry) && !entry.endsWith('.pem')) continue;
      try {
        anchors.push(...certificatesIn(readFileSync(join(source.caDir, entry), 'latin1')));
      } catch {
        // An unreadable entry (a dangling link, a directory) is skipped, as OpenSSL does.
      }
    }
  }
  return anchors;
}

function certificatesIn(text: string): string[] {
  return [...text.matchAll(CERT_BLOCK)].map((match) => match[0]);
}
