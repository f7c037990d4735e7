/**
 * Reads a grid proxy file (as written by `grid-proxy-init` / `voms-proxy-init`: the proxy
 * certificate, its private key, then the EEC and any further chain) or a certificate+key PEM,
 * and checks it before anything is sent: missing, unreadable, without a key or a certificate,
 * or expired is a `CredentialError` whose message says how to make a new one. The TLS layer
 * then presents every certificate of the file as the chain and signs with the key.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CredentialError } from '../wire/api-errors.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;
const RENEW = 'make a new one with grid-proxy-init (or voms-proxy-init)';

export interface ProxyCredential {
  readonly path: string;
  /** Every certificate of the file, in order (proxy first), as PEM. */
  readonly certPem: string;
  readonly keyPem: string;
  /** The subject of the first certificate, in OpenSSL's one-line form. */
  readonly subject: string;
  /** The earliest end of validity of the chain: the credential is unusable after it. */
  readonly notAfter: Date;
}

export function loadProxyCredential(path: string, now: Date = new Date()): ProxyCredential {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CredentialError('missing', path, `no grid proxy at ${path}: ${RENEW}`);
    throw new CredentialError('unreadable', path, `cannot read the grid proxy ${path} (${code ?? String(error)}): check its owner and mode, or ${RENEW}`);
  }
  const certs: string[] = [];
  let keyPem: string | undefined;
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1] ?? '';
    if (label === 'CERTIFICATE') certs.push(match[0]);
    else if (label.endsWith('PRIVATE KEY') && keyPem === undefined) keyPem = match[0];
  }
  if (certs.length === 0 || keyPem === undefined) {
    throw new CredentialError('invalid', path, `${path} is not a grid proxy (it needs a certificate and its private key): ${RENEW}`);
  }
  let parsed: X509Certificate[];
  try {
    parsed = certs.map((pem) => new X509Certificate(pem));
  } catch {
    throw new CredentialError('invalid', path, `${path} holds a certificate that cannot be parsed: ${RENEW}`);
  }
  const notAfter = new Date(Math.min(...parsed.map((cert) => Date.parse(cert.validTo))));
  if (notAfter.getTime() <= now.getTime()) {
    throw new CredentialError('expired', path, `your grid proxy ${path} expired at ${notAfter.toISOString()}: ${RENEW}`);
  }
  const subject = (parsed[0]?.subject ?? '').split('\n').map((part) => `/${part}`).join('');
  return { path, certPem: certs.join('\n'), keyPem, subject, notAfter };
}

/** The warning to print when the credential has less than `threshold` ms left, or undefined. */
export function expiryWarning(credential: ProxyCredential, now: Date = new Date(), thresholdMs = 3600_000): string | undefined {
  const left = credential.notAfter.getTime() - now.getTime();
  if (left >= thresholdMs) return undefined;
  const minutes = Math.max(1, Math.floor(left / 60_000));
  return `your grid proxy ${credential.path} expires in ${minutes} minute${minutes === 1 ? '' : 's'} (at ${credential.notAfter.toISOString()}); renew it with grid-proxy-init (or voms-proxy-init)`;
}
