/**
 * Reading trust material from disk: a CA file (PEM bundle of CA certificates, optionally with
 * `X509 CRL` blocks) and a grid CA directory (`<hash>.N` certificates, `<hash>.rN` CRLs,
 * `<hash>.signing_policy` files, as `/etc/grid-security/certificates` and fetch-crl lay
 * them out). Also the cheap stat-based fingerprint by which a TrustStore notices that these
 * files were added, removed or rewritten. Unreadable files are skipped with a warning; an
 * unreadable CRL is also remembered by its file's hash, since it stops that CA's certificates.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Certificate } from './certificate.js';
import { Crl } from './crl.js';
import { parsePem, pemLabels } from './pem.js';
import { parseSigningPolicy } from './signing-policy.js';
import type { TrustMaterial } from './trust-snapshot.js';

export interface TrustSources {
  caFile?: string;
  caDir?: string;
  /** Load CRLs (default true). */
  crl?: boolean;
}

const CERT_FILE = /^[0-9a-f]{8}\.\d+$/;
const CRL_FILE = /^[0-9a-f]{8}\.r\d+$/;
const POLICY_FILE = /^([0-9a-f]{8})\.signing_policy$/;

const relevant = (name: string): boolean => CERT_FILE.test(name) || CRL_FILE.test(name) || POLICY_FILE.test(name);

/** Certificates of a PEM (or single DER) file. */
function certificatesOf(data: Buffer): Certificate[] {
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN')) return parsePem(text).map((der) => Certificate.fromDer(der));
  return [Certificate.fromDer(data)];
}

/** CRLs of a PEM (or single DER) file; throws unless every CRL begun in it is whole. */
function crlsOf(data: Buffer): Crl[] {
  const text = data.toString('latin1');
  if (!text.includes('-----BEGIN')) return [Crl.fromDer(data)];
  const crls = parsePem(text, 'X509 CRL').map((der) => Crl.fromDer(der));
  // parsePem skips a block cut before its END line or with a damaged body: count the BEGINs.
  const begun = pemLabels(text).filter((label) => label === 'X509 CRL').length;
  if (crls.length === 0 || crls.length < begun) throw new Error('not a valid X.509 CRL: the file is truncated or holds no whole X509 CRL block');
  return crls;
}

export async function loadTrustMaterial(src: TrustSources): Promise<TrustMaterial> {
  if (!src.caFile && !src.caDir) throw new Error('trust store: give caFile and/or caDir');
  const withCrls = src.crl !== false;
  const m: TrustMaterial = { anchors: [], crls: [], crlFiles: new Map(), unreadableCrlHashes: new Set(), policies: new Map(), policyHashes: new Set(), warnings: [] };
  const addCrls = (crls: Crl[], file: string): void => {
    m.crls.push(...crls);
    for (const crl of crls) m.crlFiles.set(crl, file);
  };
  if (src.caFile) {
    const data = await readFile(src.caFile);
    m.anchors.push(...certificatesOf(data));
    if (m.anchors.length === 0) throw new Error(`trust store: no certificate in CA file ${src.caFile}`);
    if (withCrls && data.includes('-----BEGIN X509 CRL-----')) addCrls(crlsOf(data), src.caFile);
  }
  if (src.caDir) {
    const names = (await readdir(src.caDir)).filter(relevant).sort();
    for (const name of names) {
      const path = join(src.caDir, name);
      try {
        if (CERT_FILE.test(name)) {
          m.anchors.push(...certificatesOf(await readFile(path)));
        } else if (CRL_FILE.test(name)) {
          if (withCrls) addCrls(crlsOf(await readFile(path)), path);
        } else {
          parseSigningPolicy(await readFile(path, 'utf8'), m.policies);
          m.policyHashes.add((POLICY_FILE.exec(name) as RegExpExecArray)[1] as string);
        }
      } catch (err) {
        if (CRL_FILE.test(name)) {
          m.unreadableCrlHashes.add(name.slice(0, 8));
          m.warnings.push(`${path}: ${(err as Error).message}; the certificates of its CA are refused until a good CRL replaces it (run fetch-crl)`);
        } else {
          m.warnings.push(`${path}: ${(err as Error).message}`);
        }
      }
    }
  }
  return m;
}

/** A string that changes when any trust file is added, removed or rewritten. */
export async function trustFingerprint(src: TrustSources): Promise<string> {
  const parts: string[] = [];
  const describe = async (path: string): Promise<string> => {
    try {
      const s = await stat(path);
      return `${path}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch {
      return `${path}:missing`;
    }
  };
  if (src.caFile) parts.push(await describe(src.caFile));
  if (src.caDir) {
    const dir = src.caDir;
    let names: string[];
    try {
      names = (await readdir(dir)).filter(relevant).sort();
    } catch {
      names = [];
      parts.push(`${dir}:missing`);
    }
    parts.push(...(await Promise.all(names.map((n) => describe(join(dir, n))))));
  }
  return parts.join('\n');
}
