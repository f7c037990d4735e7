/**
 * A throwaway grid site for end-to-end tests: a CA in a grid CA directory (`<hash>.0` and
 * `.signing_policy`, as under /etc/grid-security/certificates), a host certificate for
 * localhost, and users whose certificates are issued by the project's own code and whose
 * proxies are made by the real `grid-proxy-init` / `voms-proxy-init`, exactly as a user
 * would make them. Everything lives in one temp directory, removed by `cleanup()`. The host key
 * is RSA-2048 as most grid host certificates are, or ECDSA P-256 (`hostKey: 'ec'`).
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type Certificate, generateKeyPair, issueCertificate, subjectHash, toPem } from '@repoman/x509';

const HOUR = 3600_000;
export const SITE_ORG = '/DC=org/DC=Repoman Test';

export interface Party {
  cert: Certificate;
  key: KeyObject;
}

export interface GridUser {
  readonly name: string;
  readonly dn: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** An RFC 3820 proxy made by grid-proxy-init at creation (12 h). */
  readonly proxyPath: string;
}

export interface GridSite {
  readonly dir: string;
  readonly caDir: string;
  readonly ca: Party;
  readonly hostCert: string;
  readonly hostKey: string;
  /** Issues a user certificate (DN defaults to `${SITE_ORG}/OU=People/CN=<name>`) and a grid-proxy-init proxy of it. */
  user(name: string, dn?: string): Promise<GridUser>;
  /** Runs a grid tool (grid-proxy-init, voms-proxy-init, …) as `user`; throws with its output on failure. */
  gridTool(user: GridUser, command: string, args: string[]): string;
  cleanup(): Promise<void>;
}

/** Whether a command is on the PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export interface GridSiteOptions {
  /** The host certificate's key: RSA-2048 (default) or ECDSA P-256. */
  readonly hostKey?: 'rsa' | 'ec';
}

export async function makeGridSite(options: GridSiteOptions = {}): Promise<GridSite> {
  if (!hasCommand('grid-proxy-init')) {
    throw new Error('grid-proxy-init is missing: apt-get install globus-proxy-utils voms-clients (or run .ci/run)');
  }
  const dir = await mkdtemp(join(tmpdir(), 'repoman-site-'));
  const caDir = join(dir, 'certificates');
  await mkdir(caDir);
  const now = Date.now();

  const caKeys = generateKeyPair();
  const caSubject = `${SITE_ORG}/CN=Repoman Test CA`;
  const caCert = issueCertificate({
    subject: caSubject, publicKey: caKeys.publicKey, signingKey: caKeys.privateKey,
    notBefore: new Date(now - HOUR), notAfter: new Date(now + 30 * 24 * HOUR), ca: true, keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const ca = { cert: caCert, key: caKeys.privateKey };
  const hash = subjectHash(caCert);
  await writeFile(join(caDir, `${hash}.0`), toPem(caCert));
  await writeFile(join(caDir, `${hash}.signing_policy`),
    `access_id_CA X509 '${caSubject}'\npos_rights globus CA:sign\ncond_subjects globus '"${SITE_ORG}/*"'\n`);

  const ec = options.hostKey === 'ec';
  const hostKeys = ec ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPair();
  const hostCert = join(dir, 'hostcert.pem');
  const hostKey = join(dir, 'hostkey.pem');
  await writeFile(hostCert, toPem(issueCertificate({
    subject: `${SITE_ORG}/CN=localhost`, publicKey: hostKeys.publicKey, issuer: ca,
    notBefore: new Date(now - HOUR), notAfter: new Date(now + 30 * 24 * HOUR),
    keyUsage: ec ? ['digitalSignature'] : ['digitalSignature', 'keyEncipherment'], extKeyUsage: ['serverAuth', 'emailProtection'], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'],
  })));
  await writeFile(hostKey, toPem(hostKeys.privateKey), { mode: 0o600 });

  const gridTool = (user: GridUser, command: string, args: string[]): string => {
    const env = { PATH: process.env.PATH, HOME: dir, X509_USER_CERT: user.certPath, X509_USER_KEY: user.keyPath, X509_CERT_DIR: caDir };
    const result = spawnSync(command, args, { env, encoding: 'utf8', cwd: dir, timeout: 60_000, input: '' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stdout}${result.stderr}`);
    return result.stdout;
  };

  const user = async (name: string, dn = `${SITE_ORG}/OU=People/CN=${name}`): Promise<GridUser> => {
    const userDir = join(dir, 'users', name);
    await mkdir(userDir, { recursive: true });
    const keys = generateKeyPair();
    const cert = issueCertificate({
      subject: dn, publicKey: keys.publicKey, issuer: ca, notBefore: new Date(now - HOUR), notAfter: new Date(now + 7 * 24 * HOUR),
      keyUsage: ['digitalSignature', 'keyEncipherment'], extKeyUsage: ['clientAuth'],
    });
    const gridUser: GridUser = {
      name, dn, certPath: join(userDir, 'usercert.pem'), keyPath: join(userDir, 'userkey.pem'), proxyPath: join(userDir, 'proxy.pem'),
    };
    await writeFile(gridUser.certPath, toPem(cert));
    await writeFile(gridUser.keyPath, toPem(keys.privateKey), { mode: 0o400 });
    await chmod(gridUser.keyPath, 0o400);
    gridTool(gridUser, 'grid-proxy-init', ['-q', '-out', gridUser.proxyPath]);
    return gridUser;
  };

  return { dir, caDir, ca, hostCert, hostKey, user, gridTool, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
