/**
 * Encoders of the X.509 extensions the issuer writes (basic constraints, key usage, extended
 * key usage, alternative names, key identifiers, CRL number), each returning the
 * extension's OID, criticality and DER value, built with @peculiar/asn1-x509.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier, BasicConstraints, CRLNumber, ExtendedKeyUsage, GeneralName, KeyIdentifier, KeyUsage,
  SubjectAlternativeName, SubjectKeyIdentifier, SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { type CertificateExtension, KEY_USAGE_NAMES, type KeyUsageName } from './certificate.js';
import { OID } from './oids.js';

const der = (value: unknown): Buffer => Buffer.from(AsnConvert.serialize(value));

export function basicConstraintsExtension(ca: boolean, pathLen?: number): CertificateExtension {
  const bc = new BasicConstraints({ cA: ca, ...(ca && pathLen !== undefined ? { pathLenConstraint: pathLen } : {}) });
  return { oid: OID.basicConstraints, critical: true, value: der(bc) };
}

export function keyUsageExtension(usages: readonly string[]): CertificateExtension {
  let flags = 0;
  for (const u of usages) {
    const bit = KEY_USAGE_NAMES.indexOf(u as KeyUsageName);
    if (bit < 0) throw new Error(`unknown key usage "${u}" (one of ${KEY_USAGE_NAMES.join(', ')})`);
    flags |= 1 << bit;
  }
  const ku = new KeyUsage();
  ku.fromNumber(flags);
  return { oid: OID.keyUsage, critical: true, value: der(ku) };
}

export type ExtKeyUsageName = 'serverAuth' | 'clientAuth' | 'emailProtection';

export function extKeyUsageExtension(purposes: readonly ExtKeyUsageName[]): CertificateExtension {
  const oids = purposes.map((p) => OID[p]);
  return { oid: OID.extKeyUsage, critical: false, value: der(new ExtendedKeyUsage(oids)) };
}

export function subjectAltNameExtension(dnsNames: readonly string[], ipAddresses: readonly string[]): CertificateExtension {
  const names = [
    ...dnsNames.map((dNSName) => new GeneralName({ dNSName })),
    ...ipAddresses.map((iPAddress) => new GeneralName({ iPAddress })),
  ];
  return { oid: OID.subjectAltName, critical: false, value: der(new SubjectAlternativeName(names)) };
}

/** The RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
}

export function subjectKeyIdentifierExtension(publicKey: KeyObject): CertificateExtension {
  const ski = new SubjectKeyIdentifier(keyIdentifier(publicKey));
  return { oid: OID.subjectKeyIdentifier, critical: false, value: der(ski) };
}

export function authorityKeyIdentifierExtension(issuerKey: KeyObject): CertificateExtension {
  const aki = new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdentifier(issuerKey)) });
  return { oid: OID.authorityKeyIdentifier, critical: false, value: der(aki) };
}

export function crlNumberExtension(n: number): CertificateExtension {
  return { oid: OID.crlNumber, critical: false, value: der(new CRLNumber(n)) };
}
