/**
 * Fixtures for the VOMS tests: a grid PKI made by the openssl binary (test CA, users, a VOMS
 * server, and a rogue CA and VOMS server that copy the trusted names), VOMS proxies made by
 * voms-proxy-fake, and an AC editor that changes one field of a real AC and signs it again
 * with the VOMS server's key, for the tampering voms-proxy-fake cannot do.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TAG, readChildren, readOnly } from '../src/der-reader.js';
import { encodeElement, encodeOid, encodeSequence } from '../src/der-writer.js';
import { Certificate, VOMS_OID, VomsDir, issueProxy, parsePem, splitVomsAcs, subjectHash } from '../src/index.js';
import { tempDir } from './helpers.js';

export const CA_DN = '/DC=org/DC=Grid Test/CN=Grid Test CA';
export const USER_DN = '/DC=org/DC=Grid Test/OU=People/CN=Doug Fir';
export const VOMS_DN = '/DC=org/DC=Grid Test/CN=voms.example.org';
export const VOMS_HOST = 'voms.example.org';
export const LSC = `${VOMS_DN}\n${CA_DN}\n`;

export interface GridFixture {
  path: string;
  caDir: string;
  f: (name: string) => string;
  /** Runs a command with the fixture's X509 environment; asserts success; returns stdout. */
  run: (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => string;
  /** voms-proxy-fake as `user` (a file prefix: `<user>.pem`, `<user>.key`) signed by `server`. */
  fake: (out: string, opts?: { user?: string; server?: string; vo?: string; fqans?: string[]; extra?: string[] }) => Promise<Buffer[]>;
  /** A vomsdir made of these files (paths relative to it). */
  vomsdir: (name: string, files: Record<string, string>) => Promise<{ dir: string; vomsdir: VomsDir }>;
  cleanup: () => Promise<void>;
}

const EXT_CNF = [
  '[ca]', 'basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash',
  '[user]', 'basicConstraints=critical,CA:false', 'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=clientAuth', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid',
  '[host]', 'basicConstraints=critical,CA:false', 'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth,clientAuth', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid', '',
].join('\n');

export async function makeGridFixture(): Promise<GridFixture> {
  const dir = await tempDir('x509-voms-');
  const f = (name: string): string => join(dir.path, name);
  const caDir = f('certificates');
  const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string => {
    const r = spawnSync(cmd, args, {
      env: { PATH: process.env.PATH, HOME: dir.path, X509_CERT_DIR: caDir, ...env }, encoding: 'utf8', cwd: dir.path, timeout: 60_000, input: '',
    });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const openssl = (args: string[]): string => run('openssl', args);
  const ca = (name: string, subject: string): void => {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '30',
      '-subj', subject, '-extensions', 'ca', '-config', f('ext.cnf')]);
  };
  const issue = (name: string, subject: string, caName: string, serial: string, ext: string): void => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subject, '-config', f('ext.cnf')]);
    openssl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.pem`), '-CAkey', f(`${caName}.key`), '-set_serial', serial,
      '-days', '10', '-out', f(`${name}.pem`), '-extfile', f('ext.cnf'), '-extensions', ext]);
  };
  await writeFile(f('ext.cnf'), EXT_CNF);
  ca('ca', CA_DN);
  issue('user', USER_DN, 'ca', '4242', 'user');
  issue('alice', '/DC=org/DC=Grid Test/OU=People/CN=Alice Jones', 'ca', '4343', 'user');
  issue('voms', VOMS_DN, 'ca', '77', 'host');
  // The rogue CA and VOMS server carry the trusted names, so that only keys tell them apart.
  ca('rogueca', CA_DN);
  issue('roguevoms', VOMS_DN, 'rogueca', '77', 'host');
  // Eve has Doug's serial under another CA.
  ca('otherca', '/DC=org/DC=Other Grid/CN=Other CA');
  issue('eve', '/DC=org/DC=Other Grid/CN=Eve', 'otherca', '4242', 'user');
  for (const k of ['user', 'alice', 'eve']) await chmod(f(`${k}.key`), 0o400);
  await mkdir(caDir);
  const caCert = Certificate.fromPem(await readFile(f('ca.pem'), 'utf8'))[0] as Certificate;
  await writeFile(join(caDir, `${subjectHash(caCert)}.0`), await readFile(f('ca.pem')));

  const fake: GridFixture['fake'] = async (out, opts = {}) => {
    const user = opts.user ?? 'user';
    const server = opts.server ?? 'voms';
    const fqans = (opts.fqans ?? [`/${opts.vo ?? 'testvo'}/Role=NULL/Capability=NULL`]).flatMap((q) => ['-fqan', q]);
    run('voms-proxy-fake', ['-q', '-rfc', '-cert', f(`${user}.pem`), '-key', f(`${user}.key`), '-voms', opts.vo ?? 'testvo',
      '-hostcert', f(`${server}.pem`), '-hostkey', f(`${server}.key`), '-uri', `${VOMS_HOST}:15000`, ...fqans, ...(opts.extra ?? []),
      '-out', f(out)]);
    return parsePem(await readFile(f(out), 'utf8'));
  };
  const vomsdir: GridFixture['vomsdir'] = async (name, files) => {
    const root = f(`vomsdir-${name}`);
    await mkdir(root, { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, rel)), { recursive: true });
      await writeFile(join(root, rel), text);
    }
    return { dir: root, vomsdir: await VomsDir.load(root) };
  };
  return { path: dir.path, caDir, f, run, fake, vomsdir, cleanup: dir.cleanup };
}

/** The private key in a PEM file (a key file, or a proxy file holding one). */
export async function keyOf(file: string): Promise<KeyObject> {
  const text = await readFile(file, 'utf8');
  const m = /-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+?-----END (RSA )?PRIVATE KEY-----/.exec(text);
  assert.ok(m, `no private key in ${file}`);
  return createPrivateKey(m[0]);
}

/** The first AC of a proxy (leaf of `chain`). */
export function acOf(chain: Buffer[]): Buffer {
  const leaf = Certificate.fromDer(chain[0] as Buffer);
  return splitVomsAcs((leaf.extension(VOMS_OID.acSequence) as { value: Buffer }).value)[0] as Buffer;
}

/** An Extension's DER. */
export function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return encodeSequence([encodeOid(oid), ...(critical ? [encodeElement(TAG.BOOLEAN, Buffer.from([0xff]))] : []), encodeElement(TAG.OCTET_STRING, value)]);
}

/**
 * Rewrites the AttributeCertificateInfo fields of `ac` (version, holder, issuer, signature,
 * serial, validity, attributes, extensions) with `edit` and signs the result with `key`.
 */
export function resign(ac: Buffer, key: KeyObject, edit: (fields: Buffer[]) => Buffer[]): Buffer {
  const [info, alg] = readChildren(readOnly(ac, TAG.SEQUENCE));
  const fields = edit(readChildren(info as { tag: number; bytes: Buffer; content: Buffer }).map((c) => Buffer.from(c.bytes)));
  const tbs = encodeSequence(fields);
  const signature = sign('sha256', tbs, key);
  return encodeSequence([tbs, (alg as { bytes: Buffer }).bytes, encodeElement(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), signature]))]);
}

/** Rewrites the AC's extensions (each an Extension DER). */
export function editExtensions(ac: Buffer, key: KeyObject, edit: (exts: Buffer[]) => Buffer[]): Buffer {
  return resign(ac, key, (fields) => {
    const last = fields.length - 1;
    const exts = readChildren(readOnly(fields[last] as Buffer, TAG.SEQUENCE)).map((e) => Buffer.from(e.bytes));
    return [...fields.slice(0, last), encodeSequence(edit(exts))];
  });
}

/** A proxy of `issuer` (certificate and key) carrying `acs` in its VOMS extension, as a chain with `below`. */
export function proxyWithAcs(issuer: { cert: Certificate; key: KeyObject }, acs: Buffer[], below: Buffer[]): Buffer[] {
  const ext = acs.length > 0 ? [{ oid: VOMS_OID.acSequence, critical: false, value: encodeSequence([encodeSequence(acs)]) }] : [];
  const proxy = issueProxy({ issuerCert: issuer.cert, issuerKey: issuer.key, lifetimeSeconds: 3600, extensions: ext });
  return [proxy.cert.der, issuer.cert.der, ...below];
}
