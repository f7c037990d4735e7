/**
 * Test fixtures made at test time: a temp directory removed afterwards, and a small grid PKI
 * (root CA, sub CA, users) built with the package's own issuer, written as a grid CA
 * directory (`<hash>.0`) when a test needs files.
 */
import type { KeyObject } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Certificate, ChainValidator, type CredentialErrorCode, CredentialError, TrustStore, generateKeyPair, issueCertificate,
  subjectHash, toPem,
} from '../src/index.js';

export const HOUR = 3600 * 1000;
export const DAY = 24 * HOUR;

export interface Party {
  cert: Certificate;
  key: KeyObject;
}

export async function tempDir(prefix = 'x509-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export function makeCa(subject: string, issuer?: Party, extra: Partial<Parameters<typeof issueCertificate>[0]> = {}): Party {
  const { privateKey, publicKey } = generateKeyPair(2048);
  const cert = issueCertificate({
    subject,
    publicKey,
    ...(issuer ? { issuer } : { signingKey: privateKey }),
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + 365 * DAY),
    ca: true,
    ...extra,
  });
  return { cert, key: privateKey };
}

export function makeUser(subject: string, issuer: Party, extra: Partial<Parameters<typeof issueCertificate>[0]> = {}): Party {
  const { privateKey, publicKey } = generateKeyPair(2048);
  const cert = issueCertificate({
    subject,
    publicKey,
    issuer,
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + 30 * DAY),
    extKeyUsage: ['clientAuth'],
    ...extra,
  });
  return { cert, key: privateKey };
}

/** Root CA, a sub CA, and Bob and Alice under the sub CA. */
export interface Pki {
  root: Party;
  sub: Party;
  bob: Party;
  alice: Party;
}

export function makePki(): Pki {
  const root = makeCa('/DC=org/DC=Repoman Test/CN=Repoman Test Root CA');
  const sub = makeCa('/DC=org/DC=Repoman Test/CN=Repoman Test User CA', root);
  const bob = makeUser('/DC=org/DC=Repoman Test/OU=People/CN=Bob Smith', sub);
  const alice = makeUser('/DC=org/DC=Repoman Test/OU=People/CN=Alice Jones', sub);
  return { root, sub, bob, alice };
}

/** Writes CA certificates into `dir` as `<hash>.0` (or `.1`... for equal hashes). */
export async function writeCaDir(dir: string, cas: Certificate[]): Promise<void> {
  const used = new Map<string, number>();
  for (const ca of cas) {
    const hash = subjectHash(ca);
    const n = used.get(hash) ?? 0;
    used.set(hash, n + 1);
    await writeFile(join(dir, `${hash}.${n}`), toPem(ca));
  }
}

export function validatorFor(anchors: Certificate[], opts: Partial<ConstructorParameters<typeof ChainValidator>[0]> = {}): ChainValidator {
  return new ChainValidator({ trust: TrustStore.fromCertificates(anchors), ...opts });
}

export const ders = (...certs: Certificate[]): Buffer[] => certs.map((c) => c.der);

/** Asserts that `fn` throws a CredentialError with `code`; returns it. */
export function expectRefusal(fn: () => unknown, code: CredentialErrorCode): CredentialError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof CredentialError)) throw new Error(`expected CredentialError ${code}, got ${String(err)}`);
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  throw new Error(`expected CredentialError ${code}, but it was accepted`);
}

/** Whether a command is on the PATH. */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
