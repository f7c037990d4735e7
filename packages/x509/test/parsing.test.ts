// Parsing: PEM blocks, certificate fields, CRLs, slash-form DNs, PEM output of keys.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  Certificate, Crl, CredentialError, OID, formatDn, generateKeyPair, issueCertificate, issueCrl, issueProxy, parseDn, parsePem, toPem,
} from '../src/index.js';
import { DAY, makePki } from './helpers.js';

describe('parsing', () => {
  const pki = makePki();

  it('parsePem returns every block of a label as DER, in order', () => {
    const p = issueProxy({ issuerCert: pki.bob.cert, issuerKey: pki.bob.key, lifetimeSeconds: 60 });
    const text = `junk\n${toPem(p.cert)}${toPem(p.key)}\r\n${toPem(pki.bob.cert).replace(/\n/g, '\r\n')}trailing`;
    const certs = parsePem(text);
    assert.equal(certs.length, 2);
    assert.ok(certs[0]?.equals(p.cert.der));
    assert.ok(certs[1]?.equals(pki.bob.cert.der));
    assert.equal(parsePem(text, 'RSA PRIVATE KEY').length, 1);
    assert.equal(createPrivateKey(toPem(p.key)).asymmetricKeyType, 'rsa');
    assert.deepEqual(parsePem('no pem here'), []);
    assert.deepEqual(parsePem('-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n'), []);
  });

  it('Certificate exposes names, dates, serial, CA and key usage', () => {
    const { sub, bob } = pki;
    assert.equal(sub.cert.isCA, true);
    assert.equal(sub.cert.pathLen, undefined);
    assert.deepEqual(sub.cert.keyUsage, ['keyCertSign', 'cRLSign']);
    assert.equal(bob.cert.isCA, false);
    assert.deepEqual(bob.cert.keyUsage, ['digitalSignature', 'keyEncipherment']);
    assert.deepEqual(bob.cert.extKeyUsage, [OID.clientAuth]);
    assert.equal(bob.cert.issuerDn, sub.cert.subjectDn);
    assert.equal(bob.cert.version, 3);
    assert.match(bob.cert.serialHex, /^[0-9a-f]+$/);
    assert.equal(bob.cert.serialHex, BigInt('0x' + bob.cert.x509.serialNumber).toString(16));
    assert.equal(bob.cert.fingerprint256, bob.cert.x509.fingerprint256);
    assert.ok(bob.cert.isSignedBy(sub.cert));
    assert.ok(!bob.cert.isSignedBy(pki.root.cert));
    assert.equal(bob.cert.subjectRdns.length, 4);
    assert.equal(bob.cert.subjectRdns[3]?.attributes[0]?.value, 'Bob Smith');
    assert.equal(Certificate.fromPem(toPem(bob.cert))[0]?.subjectDn, bob.cert.subjectDn);
  });

  it('Certificate reads SANs, path lengths and explicit serials', () => {
    const { publicKey } = generateKeyPair(2048);
    const host = issueCertificate({
      subject: '/DC=org/DC=Repoman Test/CN=host.example.org', publicKey, issuer: pki.sub, notAfter: new Date(Date.now() + DAY),
      dnsNames: ['host.example.org', 'localhost'], ipAddresses: ['127.0.0.1'], extKeyUsage: ['serverAuth'], serial: Buffer.from([0x00, 0x80, 0x01]),
    });
    assert.deepEqual(host.dnsNames, ['host.example.org', 'localhost']);
    assert.deepEqual(host.ipAddresses, ['127.0.0.1']);
    assert.equal(host.serialHex, '8001');
    const ca = issueCertificate({ subject: '/CN=PL CA', publicKey, signingKey: pki.root.key, notAfter: new Date(Date.now() + DAY), ca: true, pathLen: 2 });
    assert.equal(ca.pathLen, 2);
  });

  it('fromDer turns any malformed input into BAD_CERTIFICATE', () => {
    for (const bad of [Buffer.alloc(0), Buffer.from('30030201', 'hex'), pki.bob.cert.der.subarray(1), Buffer.from([0x30, 0x80, 0, 0])]) {
      assert.throws(() => Certificate.fromDer(bad), (e: unknown) => e instanceof CredentialError && e.code === 'BAD_CERTIFICATE');
      assert.throws(() => Crl.fromDer(bad), (e: unknown) => e instanceof CredentialError && e.code === 'BAD_CERTIFICATE');
    }
  });

  it('Crl exposes issuer, dates and revoked serials, and checks its signature', () => {
    const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + DAY);
    const crl = issueCrl({ issuer: pki.sub, revokedSerials: ['00FF', pki.bob.cert.serialHex], thisUpdate, nextUpdate });
    assert.equal(crl.issuerDn, pki.sub.cert.subjectDn);
    assert.equal(crl.thisUpdate.getTime(), thisUpdate.getTime());
    assert.equal(crl.nextUpdate?.getTime(), nextUpdate.getTime());
    assert.ok(crl.isRevoked('ff'));
    assert.ok(crl.isRevoked('0xff'.slice(2)));
    assert.ok(crl.isRevoked(pki.bob.cert.serialHex.toUpperCase()));
    assert.ok(!crl.isRevoked(pki.alice.cert.serialHex));
    assert.ok(crl.isSignedBy(pki.sub.cert));
    assert.ok(!crl.isSignedBy(pki.root.cert));
    assert.ok(!crl.isExpired(new Date()));
    assert.ok(crl.isExpired(new Date(Date.now() + 2 * DAY)));
    assert.equal(Crl.fromPem(toPem(crl))[0]?.revokedSerials.size, 2);
  });

  it('parseDn and formatDn round-trip slash-form DNs', () => {
    for (const dn of [
      '/C=CA/O=Grid/OU=uvic.ca/CN=Bob Smith',
      '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir',
      '/C=CA/O=a\\/b/CN=x+UID=y',
      '/CN=J\\xC3\\xBCrgen/emailAddress=j@example.org',
      '/1.2.3.4=custom',
      '',
    ]) {
      assert.equal(formatDn(parseDn(dn)), dn);
    }
    assert.equal(formatDn(parseDn('/CN=Jürgen')), '/CN=J\\xC3\\xBCrgen');
    assert.throws(() => parseDn('CN=no slash'));
    assert.throws(() => parseDn('/XX=unknown'));
  });
});
