// The credential check made before any call: a grid proxy file (proxy, key, EEC) is read and
// its chain's earliest expiry found; missing, unreadable, not a proxy, or expired → a
// CredentialError naming grid-proxy-init; less than an hour left → a warning.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, issueCertificate, issueProxy, toPem, writeProxyFile, type Certificate } from '@repoman/x509';
import type { KeyObject } from 'node:crypto';
import { CredentialError } from '../src/wire/api-errors.js';
import { expiryWarning, loadProxyCredential } from '../src/transport/proxy-credential.js';

const HOUR = 3600_000;

describe('proxy credential check', () => {
  let dir: string;
  let user: { cert: Certificate; key: KeyObject };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repoman-cred-'));
    const caKeys = generateKeyPair();
    const ca = issueCertificate({ subject: '/DC=org/CN=Test CA', publicKey: caKeys.publicKey, signingKey: caKeys.privateKey, notAfter: new Date(Date.now() + 24 * HOUR), ca: true });
    const keys = generateKeyPair();
    user = {
      cert: issueCertificate({ subject: '/DC=org/CN=Bob', publicKey: keys.publicKey, issuer: { cert: ca, key: caKeys.privateKey }, notAfter: new Date(Date.now() + 24 * HOUR) }),
      key: keys.privateKey,
    };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const proxyFile = async (name: string, lifetimeSeconds: number): Promise<string> => {
    const path = join(dir, name);
    await writeProxyFile(path, issueProxy({ issuerCert: user.cert, issuerKey: user.key, lifetimeSeconds }), [user.cert]);
    return path;
  };

  it('reads a proxy file: the whole chain, the key, and the earliest expiry', async () => {
    const path = await proxyFile('good.pem', 12 * 3600);
    const credential = loadProxyCredential(path);
    assert.equal(credential.certPem.match(/BEGIN CERTIFICATE/g)?.length, 2);
    assert.match(credential.keyPem, /PRIVATE KEY/);
    assert.match(credential.subject, /CN=Bob/);
    assert.ok(Math.abs(credential.notAfter.getTime() - (Date.now() + 12 * HOUR)) < 5000);
    assert.equal(expiryWarning(credential), undefined);
  });

  it('refuses an expired proxy, naming grid-proxy-init', async () => {
    const path = join(dir, 'expired.pem');
    await writeProxyFile(path, issueProxy({ issuerCert: user.cert, issuerKey: user.key, lifetimeSeconds: 3600, notBefore: new Date(Date.now() - 3 * HOUR) }), [user.cert]);
    assert.throws(() => loadProxyCredential(path), (error: unknown) =>
      error instanceof CredentialError && error.problem === 'expired' && /expired/.test(error.message) && /grid-proxy-init/.test(error.message));
  });

  it('warns when less than an hour is left', async () => {
    const path = await proxyFile('short.pem', 900);
    assert.match(expiryWarning(loadProxyCredential(path)) ?? '', /expires in \d+ minutes.*grid-proxy-init/);
  });

  it('refuses a missing file, an unreadable one, and a file without a key', async () => {
    assert.throws(() => loadProxyCredential(join(dir, 'nope.pem')), (error: unknown) =>
      error instanceof CredentialError && error.problem === 'missing' && /grid-proxy-init/.test(error.message));
    const certOnly = join(dir, 'cert-only.pem');
    await writeFile(certOnly, toPem(user.cert));
    assert.throws(() => loadProxyCredential(certOnly), (error: unknown) => error instanceof CredentialError && error.problem === 'invalid');
    if (process.getuid?.() !== 0) {
      const locked = await proxyFile('locked.pem', 3600);
      await chmod(locked, 0);
      assert.throws(() => loadProxyCredential(locked), (error: unknown) => error instanceof CredentialError && error.problem === 'unreadable');
    }
  });
});
