// The validator on RFC 3820 proxy chains made with issueProxy: accepted shapes and every refusal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OID, generateKeyPair, issueCertificate, issueProxy } from '../src/index.js';
import { HOUR, type Pki, ders, expectRefusal, makePki, validatorFor } from './helpers.js';

describe('ChainValidator: RFC 3820 proxies', () => {
  const pki: Pki = makePki();
  const { root, sub, bob, alice } = pki;
  const v = validatorFor([root.cert, sub.cert]);
  const proxy = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 12 * 3600 });

  it('accepts a proxy and names the EEC under it', () => {
    const id = v.validate(ders(proxy.cert, bob.cert));
    assert.equal(id.dn, bob.cert.subjectDn);
    assert.equal(id.kind, 'proxy');
    assert.equal(id.proxyDepth, 1);
    assert.equal(id.limited, false);
    assert.equal(id.notAfter.getTime(), proxy.cert.notAfter.getTime());
    assert.equal(v.validate(ders(proxy.cert, bob.cert, sub.cert, root.cert)).dn, bob.cert.subjectDn);
  });

  it('makes proxies the way grid-proxy-init does', () => {
    const c = proxy.cert;
    assert.match(c.subjectDn, new RegExp(`^${bob.cert.subjectDn}/CN=\\d+$`));
    assert.equal(c.subjectDn, `${bob.cert.subjectDn}/CN=${parseInt(c.serialHex, 16)}`);
    assert.ok(Math.abs(Date.now() - 5 * 60_000 - c.notBefore.getTime()) < 5000);
    assert.deepEqual(c.proxy, { policyLanguage: OID.pplInheritAll, limited: false, independent: false, critical: true });
    assert.deepEqual(c.keyUsage, ['digitalSignature', 'keyEncipherment']);
  });

  it('accepts a proxy of a proxy', () => {
    const p2 = issueProxy({ issuerCert: proxy.cert, issuerKey: proxy.key, lifetimeSeconds: 3600 });
    const id = v.validate(ders(p2.cert, proxy.cert, bob.cert));
    assert.equal(id.dn, bob.cert.subjectDn);
    assert.equal(id.proxyDepth, 2);
    assert.equal(id.notAfter.getTime(), Math.min(p2.cert.notAfter.getTime(), proxy.cert.notAfter.getTime()));
  });

  it('marks limited proxies, and proxies of limited proxies, as limited', () => {
    const limited = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 3600, limited: true });
    assert.equal(limited.cert.proxy?.policyLanguage, OID.pplLimited);
    assert.equal(v.validate(ders(limited.cert, bob.cert)).limited, true);
    const child = issueProxy({ issuerCert: limited.cert, issuerKey: limited.key, lifetimeSeconds: 3600 });
    assert.equal(child.cert.proxy?.limited, true);
    assert.equal(v.validate(ders(child.cert, limited.cert, bob.cert)).limited, true);
    const forcedFull = issueProxy({ issuerCert: limited.cert, issuerKey: limited.key, lifetimeSeconds: 3600, policyLanguage: OID.pplInheritAll });
    assert.equal(v.validate(ders(forcedFull.cert, limited.cert, bob.cert)).limited, true);
  });

  it('refuses an expired proxy and a proxy not yet valid', () => {
    const short = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 60 });
    const later = validatorFor([root.cert, sub.cert], { now: () => new Date(Date.now() + 2 * HOUR) });
    const err = expectRefusal(() => later.validate(ders(short.cert, bob.cert)), 'CERT_EXPIRED');
    assert.match(err.message, /grid-proxy-init/);
    const earlier = validatorFor([root.cert, sub.cert], { now: () => new Date(Date.now() - HOUR) });
    expectRefusal(() => earlier.validate(ders(short.cert, bob.cert)), 'CERT_NOT_YET_VALID');
  });

  it('refuses a proxy whose subject claims another user\'s DN', () => {
    const { publicKey } = generateKeyPair(2048);
    const claim = issueCertificate({
      subject: `${alice.cert.subjectDn}/CN=12345`,
      publicKey,
      issuer: bob,
      notBefore: new Date(Date.now() - 300_000),
      notAfter: new Date(Date.now() + HOUR),
      extensions: [proxyCertInfo(OID.pplInheritAll)],
    });
    expectRefusal(() => v.validate(ders(claim, bob.cert)), 'PROXY_NAME_MISMATCH');
    expectRefusal(() => v.validate(ders(claim, bob.cert, alice.cert)), 'PROXY_NAME_MISMATCH');
    const twoCns = issueCertificate({
      subject: `${bob.cert.subjectDn}/CN=1/CN=2`, publicKey, issuer: bob, notAfter: new Date(Date.now() + HOUR),
      extensions: [proxyCertInfo(OID.pplInheritAll)],
    });
    expectRefusal(() => v.validate(ders(twoCns, bob.cert)), 'PROXY_NAME_MISMATCH');
    const notCn = issueCertificate({
      subject: `${bob.cert.subjectDn}/OU=1`, publicKey, issuer: bob, notAfter: new Date(Date.now() + HOUR),
      extensions: [proxyCertInfo(OID.pplInheritAll)],
    });
    expectRefusal(() => v.validate(ders(notCn, bob.cert)), 'PROXY_NAME_MISMATCH');
  });

  it('refuses a proxy signed with a key other than its issuer\'s', () => {
    const forged = issueProxy({ issuerCert: bob.cert, issuerKey: alice.key, lifetimeSeconds: 3600 });
    expectRefusal(() => v.validate(ders(forged.cert, bob.cert)), 'BAD_SIGNATURE');
  });

  it('honours pCPathLenConstraint for the proxies beneath', () => {
    const p0 = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 3600, pathLen: 0 });
    assert.equal(v.validate(ders(p0.cert, bob.cert)).proxyDepth, 1);
    const below = issueProxy({ issuerCert: p0.cert, issuerKey: p0.key, lifetimeSeconds: 3600 });
    expectRefusal(() => v.validate(ders(below.cert, p0.cert, bob.cert)), 'PATH_LENGTH_EXCEEDED');
    const p1 = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 3600, pathLen: 1 });
    const c1 = issueProxy({ issuerCert: p1.cert, issuerKey: p1.key, lifetimeSeconds: 3600 });
    assert.equal(v.validate(ders(c1.cert, p1.cert, bob.cert)).proxyDepth, 2);
    const c2 = issueProxy({ issuerCert: c1.cert, issuerKey: c1.key, lifetimeSeconds: 3600 });
    expectRefusal(() => v.validate(ders(c2.cert, c1.cert, p1.cert, bob.cert)), 'PATH_LENGTH_EXCEEDED');
  });

  it('refuses a proxy presented without its EEC', () => {
    const err = expectRefusal(() => v.validate(ders(proxy.cert)), 'INCOMPLETE_CHAIN');
    assert.match(err.message, /Bob Smith/);
    const p2 = issueProxy({ issuerCert: proxy.cert, issuerKey: proxy.key, lifetimeSeconds: 3600 });
    expectRefusal(() => v.validate(ders(p2.cert, bob.cert)), 'INCOMPLETE_CHAIN');
  });

  it('refuses independent proxies and unknown policy languages', () => {
    const ind = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 3600, policyLanguage: OID.pplIndependent });
    expectRefusal(() => v.validate(ders(ind.cert, bob.cert)), 'INDEPENDENT_PROXY');
    const odd = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 3600, policyLanguage: '1.3.6.1.4.1.99999.1' });
    expectRefusal(() => v.validate(ders(odd.cert, bob.cert)), 'UNKNOWN_PROXY_POLICY');
  });

  it('refuses legacy Globus and GT3 draft proxies, telling how to make an RFC 3820 one', () => {
    for (const cn of ['proxy', 'limited proxy']) {
      const { publicKey } = generateKeyPair(2048);
      const legacy = issueCertificate({
        subject: `${bob.cert.subjectDn}/CN=${cn}`, publicKey, issuer: bob, notAfter: new Date(Date.now() + HOUR), keyUsage: ['digitalSignature'],
      });
      const err = expectRefusal(() => v.validate(ders(legacy, bob.cert)), 'LEGACY_PROXY');
      assert.match(err.message, /grid-proxy-init -rfc/);
      expectRefusal(() => v.validate(ders(legacy)), 'LEGACY_PROXY');
    }
    const { publicKey } = generateKeyPair(2048);
    const draft = issueCertificate({
      subject: `${bob.cert.subjectDn}/CN=4242`, publicKey, issuer: bob, notAfter: new Date(Date.now() + HOUR),
      extensions: [{ oid: OID.proxyCertInfoDraft, critical: true, value: Buffer.from('3003300106', 'hex') }],
    });
    expectRefusal(() => v.validate(ders(draft)), 'LEGACY_PROXY');
  });

  it('refuses structurally bad proxies', () => {
    const { publicKey } = generateKeyPair(2048);
    const base = { publicKey, issuer: bob, notAfter: new Date(Date.now() + HOUR) };
    const nonCritical = issueCertificate({ ...base, subject: `${bob.cert.subjectDn}/CN=1`, extensions: [{ ...proxyCertInfo(OID.pplInheritAll), critical: false }] });
    expectRefusal(() => v.validate(ders(nonCritical, bob.cert)), 'BAD_PROXY');
    const withSan = issueCertificate({ ...base, subject: `${bob.cert.subjectDn}/CN=2`, dnsNames: ['evil.example'], extensions: [proxyCertInfo(OID.pplInheritAll)] });
    expectRefusal(() => v.validate(ders(withSan, bob.cert)), 'BAD_PROXY');
    const asCa = issueCertificate({ ...base, subject: `${bob.cert.subjectDn}/CN=3`, ca: true, extensions: [proxyCertInfo(OID.pplInheritAll)] });
    expectRefusal(() => v.validate(ders(asCa, bob.cert)), 'BAD_PROXY');
    const kp = generateKeyPair(2048);
    const encipherOnly = issueCertificate({ ...base, publicKey: kp.publicKey, subject: '/DC=org/DC=Repoman Test/CN=NoSig', issuer: sub, keyUsage: ['keyEncipherment'] });
    const underIt = issueProxy({ issuerCert: encipherOnly, issuerKey: kp.privateKey, lifetimeSeconds: 60 });
    const err = expectRefusal(() => v.validate(ders(underIt.cert, encipherOnly)), 'BAD_PROXY');
    assert.match(err.message, /digitalSignature/);
  });
});

function proxyCertInfo(language: string): { oid: string; critical: boolean; value: Buffer } {
  // SEQUENCE { SEQUENCE { OID language } }
  const oidDer = issueOid(language);
  const policy = Buffer.concat([Buffer.from([0x30, oidDer.length]), oidDer]);
  return { oid: OID.proxyCertInfo, critical: true, value: Buffer.concat([Buffer.from([0x30, policy.length]), policy]) };
}

function issueOid(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const body: number[] = [(arcs[0] as number) * 40 + (arcs[1] as number)];
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f];
    for (let rest = arc >>> 7; rest > 0; rest >>>= 7) chunk.unshift((rest & 0x7f) | 0x80);
    body.push(...chunk);
  }
  return Buffer.from([0x06, body.length, ...body]);
}
