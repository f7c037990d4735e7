// Logging in over a real TLS socket with the real curl, as grid users do: certificates and
// proxies made by grid-proxy-init / voms-proxy-init, refused credentials, CRLs picked up live.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, issueCertificate, issueCrl, issueProxy, subjectHash, toPem, writeProxyFile, Certificate } from '@repoman/x509';
import { curl, type CurlResult } from '../helpers/curl.js';
import { hasCommand, makeGridSite, SITE_ORG, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

const THREE_CN_DN = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir';

describe('grid login over TLS with curl', () => {
  let site: GridSite;
  let repo: Repository;
  let admin: GridUser;
  let bob: GridUser;

  const as = (credential: string | undefined, path: string, extra: Partial<Parameters<typeof curl>[1]> = {}): CurlResult =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, credential, ...extra });
  const whoami = (credential?: string): CurlResult => as(credential, '/api/whoami');
  const register = (user: { name: string; dn: string }): void => {
    const created = as(admin.proxyPath, '/api/users', { method: 'POST', json: { user_name: user.name, client_dn: user.dn } });
    assert.equal(created.status, 201, created.body);
  };
  const errorOf = (result: CurlResult): { code: string; message: string } => (result.json as { error: { code: string; message: string } }).error;

  before(async () => {
    site = await makeGridSite();
    admin = await site.user('admin');
    bob = await site.user('bob');
    repo = await startRepository({ site, adminDns: [admin.dn] });
    register({ name: 'bob', dn: bob.dn });
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('accepts a grid-proxy-init RFC 3820 proxy as its user', () => {
    const result = whoami(bob.proxyPath);
    assert.equal(result.status, 200, result.body);
    assert.equal((result.json as { user_name: string }).user_name, 'bob');
    assert.equal((result.json as { client_dn: string }).client_dn, bob.dn);
  });

  it('accepts the plain user certificate (EEC) too', () => {
    const result = curl(`${repo.url}/api/whoami`, { caDir: site.caDir, args: ['--cert', bob.certPath, '--key', bob.keyPath] });
    assert.equal(result.status, 200, result.body);
    assert.equal((result.json as { user_name: string }).user_name, 'bob');
  });

  it('accepts a limited proxy and a proxy of a proxy as their user', () => {
    const limited = join(site.dir, 'bob-limited.pem');
    site.gridTool(bob, 'grid-proxy-init', ['-q', '-limited', '-out', limited]);
    assert.equal((whoami(limited).json as { user_name: string }).user_name, 'bob');
    const second = join(site.dir, 'bob-proxy2.pem');
    site.gridTool(bob, 'grid-proxy-init', ['-q', '-cert', bob.proxyPath, '-key', bob.proxyPath, '-out', second]);
    const result = whoami(second);
    assert.equal(result.status, 200, result.body);
    assert.equal((result.json as { client_dn: string }).client_dn, bob.dn);
  });

  it('accepts a voms-proxy-init -rfc proxy', { skip: hasCommand('voms-proxy-init') ? false : 'voms-clients missing' }, () => {
    const voms = join(site.dir, 'bob-voms.pem');
    site.gridTool(bob, 'voms-proxy-init', ['-rfc', '-q', '-out', voms]);
    assert.equal((whoami(voms).json as { user_name: string }).user_name, 'bob');
  });

  it('refuses a legacy (grid-proxy-init -old) proxy, saying how to make an RFC 3820 one', () => {
    const legacy = join(site.dir, 'bob-legacy.pem');
    site.gridTool(bob, 'grid-proxy-init', ['-q', '-old', '-out', legacy]);
    const result = whoami(legacy);
    assert.equal(result.status, 401);
    assert.match(errorOf(result).message, /grid-proxy-init -rfc/);
  });

  it('refuses an independent proxy', () => {
    const independent = join(site.dir, 'bob-independent.pem');
    site.gridTool(bob, 'grid-proxy-init', ['-q', '-independent', '-out', independent]);
    const result = whoami(independent);
    assert.equal(result.status, 401);
    assert.match(errorOf(result).message, /independent/i);
  });

  it('refuses an expired proxy, naming grid-proxy-init', async () => {
    const bobCert = Certificate.fromPem(await readFile(bob.certPath, 'utf8'))[0]!;
    const bobKey = createPrivateKey(await readFile(bob.keyPath, 'utf8'));
    const expired = join(site.dir, 'bob-expired.pem');
    await writeProxyFile(expired, issueProxy({ issuerCert: bobCert, issuerKey: bobKey, lifetimeSeconds: 3600, notBefore: new Date(Date.now() - 3 * 3600_000) }), [bobCert]);
    const result = whoami(expired);
    assert.equal(result.status, 401);
    assert.equal(errorOf(result).code, 'UNAUTHENTICATED');
    assert.match(errorOf(result).message, /expired/i);
  });

  it('refuses a certificate from a rogue CA with the same DN as the trusted one', async () => {
    const rogueKeys = generateKeyPair();
    const rogue = issueCertificate({
      subject: site.ca.cert.subjectDn, publicKey: rogueKeys.publicKey, signingKey: rogueKeys.privateKey,
      notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86400_000), ca: true,
    });
    const forgedKeys = generateKeyPair();
    const forged = issueCertificate({
      subject: bob.dn, publicKey: forgedKeys.publicKey, issuer: { cert: rogue, key: rogueKeys.privateKey },
      notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86400_000), extKeyUsage: ['clientAuth'],
    });
    const file = join(site.dir, 'forged.pem');
    await writeFile(file, toPem(forged) + toPem(forgedKeys.privateKey), { mode: 0o600 });
    const result = curl(`${repo.url}/api/whoami`, { caDir: site.caDir, credential: file });
    assert.equal(result.status, 401, result.body);
  });

  it('treats no certificate as anonymous (401) and a valid but unregistered DN as anonymous', async () => {
    assert.equal(whoami().status, 401);
    const stranger = await site.user('stranger');
    const result = whoami(stranger.proxyPath);
    assert.equal(result.status, 401);
    assert.equal(errorOf(result).code, 'UNAUTHENTICATED');
  });

  it('logs a DN with three CNs in whole; a user registered with a truncated DN never matches it', async () => {
    const doug = await site.user('doug', THREE_CN_DN.replace('/DC=ch/DC=cern', SITE_ORG));
    register({ name: 'dougtrunc', dn: doug.dn.replace(/\/CN=612345\/CN=Doug Fir$/, '') });
    assert.equal(whoami(doug.proxyPath).status, 401, 'a truncated DN must not match');
    register({ name: 'doug', dn: doug.dn });
    const result = whoami(doug.proxyPath);
    assert.equal(result.status, 200, result.body);
    assert.equal((result.json as { user_name: string }).user_name, 'doug');
  });

  it('gives a suspended user 403 everywhere', async () => {
    const carol = await site.user('carol');
    register({ name: 'carol', dn: carol.dn });
    assert.equal(as(admin.proxyPath, '/api/users/carol', { method: 'PATCH', json: { suspended: true } }).status, 200);
    for (const path of ['/api/whoami', '/api/users', '/api/groups', '/api/permissions']) {
      const result = as(carol.proxyPath, path);
      assert.equal(result.status, 403, `${path}: ${result.body}`);
    }
  });

  it('refuses a revoked certificate once a CRL lands in the CA directory, without a restart', async () => {
    const eve = await site.user('eve');
    register({ name: 'eve', dn: eve.dn });
    assert.equal(whoami(eve.proxyPath).status, 200);
    const eveCert = Certificate.fromPem(await readFile(eve.certPath, 'utf8'))[0]!;
    const crl = issueCrl({ issuer: site.ca, revokedSerials: [eveCert.serialHex], nextUpdate: new Date(Date.now() + 86400_000) });
    await writeFile(join(site.caDir, `${subjectHash(site.ca.cert)}.r0`), toPem(crl));
    await new Promise((r) => setTimeout(r, 2500)); // the trust store looks at the directory at most every 2 s
    const result = whoami(eve.proxyPath);
    assert.equal(result.status, 401, result.body);
    assert.match(errorOf(result).message, /revoked/i);
    assert.equal(whoami(bob.proxyPath).status, 200, 'others are not affected');
  });

  it('writes one JSON log line per request with the DN', () => {
    const lines = repo.log().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const bobLine = lines.find((line) => line.dn === bob.dn && line.path === '/api/whoami');
    assert.ok(bobLine, 'a log line with bob\'s DN');
    assert.equal(bobLine.method, 'GET');
    assert.equal(bobLine.status, 200);
    assert.equal(typeof bobLine.duration_ms, 'number');
  });
});
