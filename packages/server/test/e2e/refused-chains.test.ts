// Every refused client chain gets its 401 and reason over real TLS with curl, never a reset
// connection: certificates and proxies with a forged signature (which OpenSSL's own check of
// the chain also rejects, the case that used to reset most connections), an expired proxy and
// a certificate from an unknown CA, each presented many times on fresh connections.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Certificate, generateKeyPair, issueCertificate, issueProxy, toPem, writeProxyFile } from '@repoman/x509';
import { curl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

const HOUR = 3600_000;

/** The certificate with one byte of its signature changed: the same key, a signature that does not verify. */
function forge(cert: Certificate): Certificate {
  const der = Buffer.from(cert.der);
  der[der.length - 5] = (der[der.length - 5] as number) ^ 0xff;
  return Certificate.fromDer(der);
}

describe('refused chains over TLS with curl', () => {
  let site: GridSite;
  let repo: Repository;
  let bob: GridUser;
  const files: Record<string, string> = {};

  before(async () => {
    site = await makeGridSite();
    bob = await site.user('bob');
    repo = await startRepository({ site, adminDns: [bob.dn] });
    const bobCert = Certificate.fromPem(await readFile(bob.certPath, 'utf8'))[0] as Certificate;
    const bobKey = createPrivateKey(await readFile(bob.keyPath, 'utf8'));

    files.forgedEec = join(site.dir, 'forged-eec.pem');
    await writeFile(files.forgedEec, toPem(forge(bobCert)) + toPem(bobKey), { mode: 0o600 });
    const proxy = issueProxy({ issuerCert: bobCert, issuerKey: bobKey, lifetimeSeconds: 3600 });
    files.forgedProxy = join(site.dir, 'forged-proxy.pem');
    await writeProxyFile(files.forgedProxy, { cert: forge(proxy.cert), key: proxy.key }, [bobCert]);
    files.expired = join(site.dir, 'expired-proxy.pem');
    await writeProxyFile(files.expired, issueProxy({ issuerCert: bobCert, issuerKey: bobKey, lifetimeSeconds: 3600, notBefore: new Date(Date.now() - 3 * HOUR) }), [bobCert]);
    const strangerKeys = generateKeyPair();
    const strangerCa = issueCertificate({
      subject: '/DC=org/DC=Elsewhere/CN=Unknown CA', publicKey: strangerKeys.publicKey, signingKey: strangerKeys.privateKey,
      notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + 24 * HOUR), ca: true,
    });
    const userKeys = generateKeyPair();
    const stranger = issueCertificate({
      subject: '/DC=org/DC=Elsewhere/CN=stranger', publicKey: userKeys.publicKey, issuer: { cert: strangerCa, key: strangerKeys.privateKey },
      notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + 24 * HOUR), extKeyUsage: ['clientAuth'],
    });
    files.unknownCa = join(site.dir, 'unknown-ca.pem');
    await writeFile(files.unknownCa, toPem(stranger) + toPem(userKeys.privateKey), { mode: 0o600 });
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  const cases: Array<{ name: string; file: string; times: number; reason: RegExp; args?: string[] }> = [
    { name: 'a certificate with a forged signature', file: 'forgedEec', times: 24, reason: /signature of .*CN=bob does not verify/ },
    { name: 'a certificate with a forged signature over TLS 1.2', file: 'forgedEec', times: 8, reason: /signature of .*CN=bob does not verify/, args: ['--tls-max', '1.2'] },
    { name: 'a proxy with a forged signature', file: 'forgedProxy', times: 8, reason: /signature of .*CN=bob\/CN=\d+ does not verify/ },
    { name: 'an expired proxy', file: 'expired', times: 4, reason: /expired/ },
    { name: 'a certificate from an unknown CA', file: 'unknownCa', times: 4, reason: /Unknown CA of .*CN=stranger is not a trusted CA/ },
  ];
  for (const { name, file, times, reason, args } of cases) {
    it(`answers ${name} with 401 and the reason, on every one of ${times} connections`, () => {
      const answers: string[] = [];
      for (let i = 0; i < times; i++) {
        const result = curl(`${repo.url}/api/whoami`, { caDir: site.caDir, credential: files[file], args });
        const error = (result.json as { error?: { code: string; message: string } } | undefined)?.error;
        const ok = result.status === 401 && error?.code === 'UNAUTHENTICATED' && reason.test(error.message);
        answers.push(ok ? 'ok' : `${result.status} ${result.stderr.trim()} ${result.body}`);
      }
      assert.deepEqual(answers.filter((a) => a !== 'ok'), [], `${answers.filter((a) => a === 'ok').length} of ${times} answered as they should`);
    });
  }

  it('still serves the genuine user on the same server', () => {
    assert.equal(curl(`${repo.url}/api/whoami`, { caDir: site.caDir, credential: bob.proxyPath }).status, 200);
  });
});
