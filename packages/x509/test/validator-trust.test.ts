// The validator against a grid CA directory on disk: CRLs, signing policies, refresh, cache.
import assert from 'node:assert/strict';
import { writeFile, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChainValidator, Crl, TrustStore, issueCrl, issueProxy, subjectHash, toPem } from '../src/index.js';
import { DAY, HOUR, type Party, type Pki, ders, expectRefusal, makePki, makeUser, tempDir, writeCaDir } from './helpers.js';

describe('ChainValidator with a grid CA directory', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let pki: Pki;
  const crlPath = (ca: Party, n = 0): string => join(dir.path, `${subjectHash(ca.cert)}.r${n}`);
  const load = (opts: { crl?: boolean } = {}): Promise<TrustStore> => TrustStore.load({ caDir: dir.path, checkIntervalMs: 0, ...opts });
  const writeCrl = (file: string, crl: Crl): Promise<void> => writeFile(file, toPem(crl));
  const fresh = { thisUpdate: new Date(Date.now() - HOUR), nextUpdate: new Date(Date.now() + DAY) };

  before(async () => {
    dir = await tempDir();
    pki = makePki();
    await writeCaDir(dir.path, [pki.root.cert, pki.sub.cert]);
  });
  after(() => dir.cleanup());

  it('loads <hash>.0 anchors and validates against them', async () => {
    const trust = await load();
    assert.equal(trust.anchors.length, 2);
    assert.equal(trust.generation, 1);
    assert.equal(new ChainValidator({ trust }).validate(ders(pki.bob.cert)).dn, pki.bob.cert.subjectDn);
  });

  it('refuses a revoked EEC, under a proxy too', async () => {
    await writeCrl(crlPath(pki.sub), issueCrl({ issuer: pki.sub, revokedSerials: [pki.alice.cert.serialHex], ...fresh }));
    const v = new ChainValidator({ trust: await load() });
    assert.equal(v.validate(ders(pki.bob.cert)).dn, pki.bob.cert.subjectDn);
    expectRefusal(() => v.validate(ders(pki.alice.cert)), 'CERT_REVOKED');
    const p = issueProxy({ issuerCert: pki.alice.cert, issuerKey: pki.alice.key, lifetimeSeconds: 3600 });
    expectRefusal(() => v.validate(ders(p.cert, pki.alice.cert)), 'CERT_REVOKED');
    assert.equal(new ChainValidator({ trust: await load({ crl: false }) }).validate(ders(pki.alice.cert)).dn, pki.alice.cert.subjectDn);
    await rm(crlPath(pki.sub));
  });

  it('refuses a chain whose intermediate CA is revoked', async () => {
    await writeCrl(crlPath(pki.root), issueCrl({ issuer: pki.root, revokedSerials: [pki.sub.cert.serialHex], ...fresh }));
    const v = new ChainValidator({ trust: await load() });
    const err = expectRefusal(() => v.validate(ders(pki.bob.cert)), 'CERT_REVOKED');
    assert.match(err.message, /User CA/);
    await rm(crlPath(pki.root));
  });

  it('refuses every certificate of a CA whose CRL does not verify with its key, rather than ignoring the CRL', async () => {
    const forged = issueCrl({ issuer: { cert: pki.sub.cert, key: pki.bob.key }, revokedSerials: [pki.bob.cert.serialHex], ...fresh });
    await writeCrl(crlPath(pki.sub), forged);
    const v = new ChainValidator({ trust: await load() });
    assert.match(expectRefusal(() => v.validate(ders(pki.alice.cert)), 'CRL_UNUSABLE').message, /User CA is unusable.*fetch-crl/);
    await rm(crlPath(pki.sub));
  });

  it('refuses certificates of a CA whose CRL has expired, saying to run fetch-crl', async () => {
    const stale = issueCrl({ issuer: pki.sub, revokedSerials: [], thisUpdate: new Date(Date.now() - 3 * DAY), nextUpdate: new Date(Date.now() - DAY) });
    await writeCrl(crlPath(pki.sub), stale);
    const v = new ChainValidator({ trust: await load() });
    const err = expectRefusal(() => v.validate(ders(pki.bob.cert)), 'CRL_EXPIRED');
    assert.match(err.message, /fetch-crl/);
    await rm(crlPath(pki.sub));
  });

  it('enforces a CA\'s .signing_policy for EECs and sub-CAs', async () => {
    const policy = (ca: string, patterns: string[]): string =>
      `# EACL\naccess_id_CA X509 '${ca}'\npos_rights globus CA:sign\ncond_subjects globus '${patterns.map((p) => `"${p}"`).join(' ')}'\n`;
    const subPolicy = join(dir.path, `${subjectHash(pki.sub.cert)}.signing_policy`);
    const rootPolicy = join(dir.path, `${subjectHash(pki.root.cert)}.signing_policy`);
    await writeFile(subPolicy, policy(pki.sub.cert.subjectDn, ['/DC=org/DC=Repoman Test/OU=People/*']));
    await writeFile(rootPolicy, policy(pki.root.cert.subjectDn, ['/DC=org/DC=Repoman Test/CN=Repoman Test User CA']));
    const v = new ChainValidator({ trust: await load() });
    assert.equal(v.validate(ders(pki.bob.cert)).dn, pki.bob.cert.subjectDn);
    const outsider = makeUser('/DC=org/DC=Repoman Test/OU=Robots/CN=r2d2', pki.sub);
    const err = expectRefusal(() => v.validate(ders(outsider.cert)), 'SIGNING_POLICY');
    assert.match(err.message, /r2d2/);

    await writeFile(rootPolicy, policy(pki.root.cert.subjectDn, ['/DC=org/DC=Elsewhere/*']));
    const v2 = new ChainValidator({ trust: await load() });
    expectRefusal(() => v2.validate(ders(pki.bob.cert)), 'SIGNING_POLICY');
    await writeFile(rootPolicy, policy('/CN=Some Other CA', ['/*']));
    const v3 = new ChainValidator({ trust: await load() });
    expectRefusal(() => v3.validate(ders(pki.bob.cert)), 'SIGNING_POLICY');
    await rm(subPolicy);
    await rm(rootPolicy);
  });

  it('refresh() picks up a new CRL, a rewritten CRL and a removed one', async () => {
    const trust = await load();
    const v = new ChainValidator({ trust });
    assert.equal(v.validate(ders(pki.bob.cert)).dn, pki.bob.cert.subjectDn);
    assert.equal(await trust.refresh(), false);

    await writeCrl(crlPath(pki.sub), issueCrl({ issuer: pki.sub, revokedSerials: [pki.bob.cert.serialHex], ...fresh }));
    assert.equal(await trust.refresh(), true);
    assert.equal(trust.generation, 2);
    expectRefusal(() => v.validate(ders(pki.bob.cert)), 'CERT_REVOKED');

    // fetch-crl rewrites the same file in place
    await writeCrl(crlPath(pki.sub), issueCrl({ issuer: pki.sub, revokedSerials: [pki.alice.cert.serialHex], ...fresh, crlNumber: 2 }));
    const t = new Date(Date.now() + 5000);
    await utimes(crlPath(pki.sub), t, t);
    assert.equal(await trust.refresh(), true);
    assert.equal(v.validate(ders(pki.bob.cert)).dn, pki.bob.cert.subjectDn);
    expectRefusal(() => v.validate(ders(pki.alice.cert)), 'CERT_REVOKED');

    await rm(crlPath(pki.sub));
    assert.equal(await trust.refresh(), true);
    assert.equal(v.validate(ders(pki.alice.cert)).dn, pki.alice.cert.subjectDn);
  });

  it('refresh() looks at the files at most once per checkIntervalMs', async () => {
    const trust = await TrustStore.load({ caDir: dir.path, checkIntervalMs: 60_000 });
    await writeCrl(crlPath(pki.sub), issueCrl({ issuer: pki.sub, revokedSerials: [], ...fresh }));
    assert.equal(await trust.refresh(), false);
    assert.equal(await trust.refresh({ force: true }), true);
    await rm(crlPath(pki.sub));
  });

  it('caches a result, yet refuses a cached chain once it has expired', () => {
    let now = Date.now();
    const trust = TrustStore.fromCertificates([pki.root.cert, pki.sub.cert]);
    const v = new ChainValidator({ trust, now: () => new Date(now), clockSkewSeconds: 0 });
    const p = issueProxy({ issuerCert: pki.bob.cert, issuerKey: pki.bob.key, lifetimeSeconds: 600 });
    const chain = ders(p.cert, pki.bob.cert);
    const first = v.validate(chain);
    const t0 = process.hrtime.bigint();
    const second = v.validate(chain.map((d) => Buffer.from(d)));
    const warmNs = Number(process.hrtime.bigint() - t0);
    assert.strictEqual(second, first);
    assert.ok(warmNs < 5_000_000, `a cache hit took ${warmNs} ns`);
    now += 3600 * 1000;
    expectRefusal(() => v.validate(chain), 'CERT_EXPIRED');
  });

  it('loads a CA file with anchors and CRLs', async () => {
    const file = join(dir.path, 'bundle.pem');
    const crl = issueCrl({ issuer: pki.sub, revokedSerials: [pki.alice.cert.serialHex], ...fresh });
    await writeFile(file, toPem(pki.root.cert) + toPem(pki.sub.cert) + toPem(crl));
    const v = new ChainValidator({ trust: await TrustStore.load({ caFile: file }) });
    assert.equal(v.validate(ders(pki.bob.cert)).dn, pki.bob.cert.subjectDn);
    expectRefusal(() => v.validate(ders(pki.alice.cert)), 'CERT_REVOKED');
    await rm(file);
  });

  it('skips unreadable files with a warning and fails on a missing directory', async () => {
    const junk = join(dir.path, 'deadbeef.0');
    await writeFile(junk, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const trust = await load();
    assert.equal(trust.anchors.length, 2);
    assert.equal(trust.warnings.length, 1);
    await rm(junk);
    await assert.rejects(TrustStore.load({ caDir: join(dir.path, 'missing') }));
    await assert.rejects(TrustStore.load({}));
  });
});
