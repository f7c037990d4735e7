/**
 * The development PKI of the embedded default. On the first start without configured TLS it
 * makes, under `<data_dir>/pki`: a CA unique to this installation in a grid-style hashed CA
 * directory (`certificates/<hash>.0` and `.signing_policy`), a server certificate for
 * localhost, 127.0.0.1 and ::1, and an admin user certificate with a PKCS#12 copy for the
 * browser (`admin/admin.p12`, its random password in `admin/admin.p12.password`, both 0600:
 * the web UI's login, SPEC §4.1). On every start it issues a
 * fresh RFC 3820 proxy of the admin (12 hours, like grid-proxy-init), so the lines printed
 * for the newcomer always work. Its directories are 0700 and its private keys 0600 (the CA
 * certificate stays readable). Nothing here is meant for production: a grid site points
 * `[tls]` at its host certificate and `/etc/grid-security/certificates` instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import {
  Certificate,
  generateKeyPair,
  issueCertificate,
  issueProxy,
  subjectHash,
  toPem,
  toPkcs12,
  writeProxyFile,
} from '@repoman/x509';

export interface DevPki {
  /** Grid-style CA directory holding the development CA. */
  caDir: string;
  serverCert: string;
  serverKey: string;
  adminDn: string;
  /** A fresh RFC 3820 proxy of the admin: proxy, key, admin certificate. */
  adminProxy: string;
  /** The admin's certificate and key as PKCS#12, to import into a browser. */
  adminP12: string;
  /** Its password (NSS, the browsers' store, mishandles empty ones). */
  adminP12Password: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;
const PROXY_LIFETIME_SECONDS = 12 * 3600;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function writeSecret(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
}

async function loadPair(certPath: string, keyPath: string): Promise<{ cert: Certificate; key: KeyObject }> {
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  const cert = Certificate.fromPem(certPem)[0];
  if (!cert) throw new Error(`${certPath} holds no certificate`);
  return { cert, key: createPrivateKey(keyPem) };
}

/** Creates the development PKI under `<dataDir>/pki` when missing, and a fresh admin proxy. */
export async function ensureDevPki(dataDir: string): Promise<DevPki> {
  const root = resolve(dataDir, 'pki');
  const caDir = join(root, 'certificates');
  const paths = {
    caCert: join(root, 'ca', 'cacert.pem'),
    caKey: join(root, 'ca', 'cakey.pem'),
    serverCert: join(root, 'hostcert.pem'),
    serverKey: join(root, 'hostkey.pem'),
    adminCert: join(root, 'admin', 'usercert.pem'),
    adminKey: join(root, 'admin', 'userkey.pem'),
    adminProxy: join(root, 'admin', 'proxy.pem'),
    adminP12: join(root, 'admin', 'admin.p12'),
    adminP12Password: join(root, 'admin', 'admin.p12.password'),
  };
  // Private to the server's user, like the data directory (the keys are 0600 as well).
  for (const dir of [join(root, 'ca'), join(root, 'admin'), caDir]) await mkdir(dir, { recursive: true, mode: 0o700 });

  const now = Date.now();
  const organisation = '/O=Repoman Development';
  if (!(await exists(paths.caCert))) {
    // A name unique to this installation: trusting one development CA trusts no other.
    const caSubject = `${organisation}/CN=Repoman Development CA ${randomBytes(4).toString('hex')}`;
    const ca = generateKeyPair();
    const caCert = issueCertificate({
      subject: caSubject,
      publicKey: ca.publicKey,
      signingKey: ca.privateKey,
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 10 * YEAR_MS),
      ca: true,
      keyUsage: ['keyCertSign', 'cRLSign'],
    });
    await writeSecret(paths.caKey, toPem(ca.privateKey));
    await writeFile(paths.caCert, toPem(caCert));
    const hash = subjectHash(caCert);
    await writeFile(join(caDir, `${hash}.0`), toPem(caCert));
    await writeFile(
      join(caDir, `${hash}.signing_policy`),
      `access_id_CA X509 '${caSubject}'\npos_rights globus CA:sign\ncond_subjects globus '"${organisation}/*"'\n`,
    );
  }
  const ca = await loadPair(paths.caCert, paths.caKey);

  if (!(await exists(paths.serverCert))) {
    const server = generateKeyPair();
    const cert = issueCertificate({
      subject: `${organisation}/CN=localhost`,
      publicKey: server.publicKey,
      issuer: ca,
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 2 * YEAR_MS),
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      // emailProtection: it also signs HEPiX image lists, which `openssl smime -verify` checks for.
      extKeyUsage: ['serverAuth', 'emailProtection'],
      dnsNames: [...new Set(['localhost', hostname()])],
      ipAddresses: ['127.0.0.1', '::1'],
    });
    await writeSecret(paths.serverKey, toPem(server.privateKey));
    await writeFile(paths.serverCert, toPem(cert));
  }

  if (!(await exists(paths.adminCert))) {
    const admin = generateKeyPair();
    const cert = issueCertificate({
      subject: `${organisation}/OU=${hostname().replace(/[/=]/g, '-')}/CN=Repoman Admin`,
      publicKey: admin.publicKey,
      issuer: ca,
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + YEAR_MS),
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['clientAuth'],
    });
    await writeSecret(paths.adminKey, toPem(admin.privateKey));
    await writeFile(paths.adminCert, toPem(cert));
  }
  const admin = await loadPair(paths.adminCert, paths.adminKey);
  if (!(await exists(paths.adminP12)) || !(await exists(paths.adminP12Password))) {
    const password = randomBytes(9).toString('base64url');
    await writeFile(paths.adminP12, toPkcs12({ cert: admin.cert, key: admin.key, password, friendlyName: 'Repoman Admin (development)' }), { mode: 0o600 });
    await writeSecret(paths.adminP12Password, `${password}\n`);
  }
  const adminP12Password = (await readFile(paths.adminP12Password, 'utf8')).trim();
  const proxy = issueProxy({ issuerCert: admin.cert, issuerKey: admin.key, lifetimeSeconds: PROXY_LIFETIME_SECONDS });
  await writeProxyFile(paths.adminProxy, proxy, [admin.cert]);

  return {
    caDir,
    serverCert: paths.serverCert,
    serverKey: paths.serverKey,
    adminDn: admin.cert.subjectDn,
    adminProxy: paths.adminProxy,
    adminP12: paths.adminP12,
    adminP12Password,
  };
}
