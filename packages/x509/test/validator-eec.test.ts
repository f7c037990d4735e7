// The validator on end-entity certificates and CA paths: trust, signatures, CA rules, DNs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CredentialError, generateKeyPair, issueCertificate, issueProxy } from '../src/index.js';
import { DAY, HOUR, type Pki, ders, expectRefusal, makeCa, makePki, makeUser, validatorFor } from './helpers.js';

describe('ChainValidator: end-entity certificates and CA paths', () => {
  const pki: Pki = makePki();
  const { root, sub, bob } = pki;
  const v = validatorFor([root.cert, sub.cert]);

  it('accepts an EEC alone and names it by its full DN', () => {
    const id = v.validate(ders(bob.cert));
    assert.equal(id.dn, '/DC=org/DC=Repoman Test/OU=People/CN=Bob Smith');
    assert.equal(id.issuerDn, '/DC=org/DC=Repoman Test/CN=Repoman Test User CA');
    assert.equal(id.kind, 'eec');
    assert.equal(id.proxyDepth, 0);
    assert.equal(id.limited, false);
    assert.equal(id.voms, false);
    assert.equal(id.notAfter.getTime(), bob.cert.notAfter.getTime());
  });

  it('accepts a chain that ends with the trust anchor, and a sub CA presented but not trusted', () => {
    assert.equal(v.validate(ders(bob.cert, sub.cert, root.cert)).dn, bob.cert.subjectDn);
    const rootOnly = validatorFor([root.cert]);
    assert.equal(rootOnly.validate(ders(bob.cert, sub.cert)).dn, bob.cert.subjectDn);
    expectRefusal(() => rootOnly.validate(ders(bob.cert)), 'UNKNOWN_CA');
  });

  it('refuses a certificate of an unknown CA', () => {
    const other = makeCa('/C=XX/O=Elsewhere/CN=Other CA');
    const mallory = makeUser('/C=XX/O=Elsewhere/CN=Mallory', other);
    expectRefusal(() => v.validate(ders(mallory.cert)), 'UNKNOWN_CA');
    expectRefusal(() => v.validate(ders(mallory.cert, other.cert)), 'UNKNOWN_CA');
  });

  it('refuses a rogue CA that has the trusted CA\'s DN (subject match is not enough)', () => {
    const rogue = makeCa(sub.cert.subjectDn);
    const fake = makeUser(bob.cert.subjectDn, rogue);
    expectRefusal(() => v.validate(ders(fake.cert, rogue.cert)), 'UNKNOWN_CA');
    expectRefusal(() => v.validate(ders(fake.cert)), 'BAD_SIGNATURE');
    const rogueRoot = makeCa(root.cert.subjectDn);
    const rogueSub = makeCa(sub.cert.subjectDn, rogueRoot);
    const fake2 = makeUser(bob.cert.subjectDn, rogueSub);
    expectRefusal(() => validatorFor([root.cert]).validate(ders(fake2.cert, rogueSub.cert, rogueRoot.cert)), 'UNKNOWN_CA');
    expectRefusal(() => validatorFor([root.cert]).validate(ders(fake2.cert, rogueSub.cert)), 'BAD_SIGNATURE');
  });

  it('refuses a certificate whose signature was made with another key', () => {
    const forged = makeUser(bob.cert.subjectDn, sub, { signingKey: generateKeyPair(2048).privateKey });
    expectRefusal(() => v.validate(ders(forged.cert)), 'BAD_SIGNATURE');
  });

  it('refuses a non-proxy certificate signed by an EEC', () => {
    const child = makeUser('/DC=org/DC=Repoman Test/OU=People/CN=Bob Smith/CN=helper', bob);
    expectRefusal(() => v.validate(ders(child.cert, bob.cert)), 'ISSUER_NOT_CA');
    const other = makeUser('/DC=org/DC=Repoman Test/OU=People/CN=Eve', bob);
    expectRefusal(() => v.validate(ders(other.cert, bob.cert)), 'ISSUER_NOT_CA');
  });

  it('refuses a CA certificate without keyCertSign as issuer', () => {
    const noSign = makeCa('/DC=org/DC=Repoman Test/CN=No Sign CA', root, { keyUsage: ['cRLSign', 'digitalSignature'] });
    const u = makeUser('/DC=org/DC=Repoman Test/CN=U', noSign);
    expectRefusal(() => v.validate(ders(u.cert, noSign.cert)), 'ISSUER_NOT_CA');
  });

  it('refuses a CA certificate presented as the identity', () => {
    expectRefusal(() => v.validate(ders(sub.cert)), 'NOT_END_ENTITY');
    const p = issueProxy({ issuerCert: sub.cert, issuerKey: sub.key, lifetimeSeconds: 3600 });
    expectRefusal(() => v.validate(ders(p.cert, sub.cert)), 'NOT_END_ENTITY');
  });

  it('honours a CA path length constraint', () => {
    const tight = makeCa('/DC=org/DC=Tight/CN=Tight Root', undefined, { pathLen: 0 });
    const mid = makeCa('/DC=org/DC=Tight/CN=Mid CA', tight);
    const u = makeUser('/DC=org/DC=Tight/CN=U', mid);
    expectRefusal(() => validatorFor([tight.cert]).validate(ders(u.cert, mid.cert)), 'PATH_LENGTH_EXCEEDED');
    const direct = makeUser('/DC=org/DC=Tight/CN=Direct', tight);
    assert.equal(validatorFor([tight.cert]).validate(ders(direct.cert)).dn, '/DC=org/DC=Tight/CN=Direct');
  });

  it('checks validity dates at every link, with the clock skew allowance', () => {
    const future = makeUser('/DC=org/DC=Repoman Test/CN=Future', sub, { notBefore: new Date(Date.now() + HOUR) });
    expectRefusal(() => v.validate(ders(future.cert)), 'CERT_NOT_YET_VALID');
    const soon = makeUser('/DC=org/DC=Repoman Test/CN=Soon', sub, { notBefore: new Date(Date.now() + 120_000) });
    assert.equal(v.validate(ders(soon.cert)).dn, '/DC=org/DC=Repoman Test/CN=Soon');
    expectRefusal(() => validatorFor([root.cert, sub.cert], { clockSkewSeconds: 0 }).validate(ders(soon.cert)), 'CERT_NOT_YET_VALID');
    const old = makeUser('/DC=org/DC=Repoman Test/CN=Old', sub, { notBefore: new Date(Date.now() - 2 * DAY), notAfter: new Date(Date.now() - DAY) });
    expectRefusal(() => v.validate(ders(old.cert)), 'CERT_EXPIRED');
    const later = validatorFor([root.cert, sub.cert], { now: () => new Date(Date.now() + 400 * DAY) });
    expectRefusal(() => later.validate(ders(bob.cert)), 'CERT_EXPIRED');
  });

  it('keeps a DN with several CNs whole', () => {
    const doug = makeUser('/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir', sub);
    const id = v.validate(ders(doug.cert));
    assert.equal(id.dn, '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir');
    const p = issueProxy({ issuerCert: doug.cert, issuerKey: doug.key, lifetimeSeconds: 3600 });
    assert.equal(v.validate(ders(p.cert, doug.cert)).dn, id.dn);
  });

  it('refuses an unknown critical extension', () => {
    const odd = makeUser('/DC=org/DC=Repoman Test/CN=Odd', sub, {
      extensions: [{ oid: '1.2.3.4.5.6', critical: true, value: Buffer.from([0x05, 0x00]) }],
    });
    expectRefusal(() => v.validate(ders(odd.cert)), 'BAD_CERTIFICATE');
  });

  it('throws only CredentialError on garbage input', () => {
    const inputs: unknown[] = [
      [], [Buffer.alloc(0)], [Buffer.from('hello world')], [Buffer.from([0x30, 0x82, 0xff, 0xff, 0x00])],
      [bob.cert.der.subarray(0, 200)], 'not an array', [42], [null], null, undefined,
      [Buffer.concat([bob.cert.der, Buffer.from([0])])], new Array(40).fill(bob.cert.der),
    ];
    for (const input of inputs) expectRefusal(() => v.validate(input as Buffer[]), 'BAD_CERTIFICATE');
    let seed = 12345;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const proxy = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 3600 });
    for (let i = 0; i < 300; i++) {
      const chain = ders(proxy.cert, bob.cert, sub.cert).map((d) => Buffer.from(d));
      const target = chain[Math.floor(rand() * chain.length)] as Buffer;
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) target[Math.floor(rand() * target.length)] = Math.floor(rand() * 256);
      try {
        validatorFor([root.cert, sub.cert], { cacheSize: 0 }).validate(chain);
      } catch (err) {
        assert.ok(err instanceof CredentialError, `mutation ${i} threw ${String(err)}`);
      }
    }
  });

  it('issues a self-signed certificate only with a signing key', () => {
    const { publicKey } = generateKeyPair(2048);
    assert.throws(() => issueCertificate({ subject: '/CN=x', publicKey, notAfter: new Date(Date.now() + DAY) }));
  });
});
