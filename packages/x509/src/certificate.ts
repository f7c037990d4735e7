/**
 * An X.509 certificate parsed once into what grid validation needs: the exact DER of the
 * names and their OpenSSL slash form, validity, the CA and key-usage extensions, the RFC 3820
 * ProxyCertInfo (and the markers of refused pre-RFC proxies), the VOMS extension, and the
 * public key. Parsing uses @peculiar/asn1-x509 for the structure, a strict DER reader for
 * byte-exact names, and node:crypto's X509Certificate for the key and signature checks.
 * Anything unparsable is a CredentialError BAD_CERTIFICATE.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate as AsnCertificate, KeyUsage, ExtendedKeyUsage, SubjectAlternativeName } from '@peculiar/asn1-x509';
import { CredentialError } from './credential-error.js';
import { DerError, TAG, decodeInteger, readChildren, readOnly } from './der-reader.js';
import { type Rdn, formatRdns, parseRdns } from './distinguished-name.js';
import { OID } from './oids.js';
import { parsePem } from './pem.js';
import { decodeProxyCertInfo } from './proxy-cert-info.js';
import { canonicalName } from './subject-hash.js';

export type KeyUsageName =
  | 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement'
  | 'keyCertSign' | 'cRLSign' | 'encipherOnly' | 'decipherOnly';

/** Key usage names in RFC 5280 bit order. */
export const KEY_USAGE_NAMES: readonly KeyUsageName[] = [
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement',
  'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly',
];

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

/** The RFC 3820 proxy information of a certificate with a ProxyCertInfo extension. */
export interface ProxyInfo {
  pathLen?: number;
  policyLanguage: string;
  limited: boolean;
  independent: boolean;
  /** Whether the extension is marked critical (RFC 3820 requires it). */
  critical: boolean;
}

export class Certificate {
  readonly der: Buffer;
  readonly subjectDer: Buffer;
  readonly issuerDer: Buffer;
  readonly subjectRdns: readonly Rdn[];
  readonly issuerRdns: readonly Rdn[];
  /** OpenSSL slash form of the subject, e.g. `/C=CA/O=Grid/CN=Bob Smith`. */
  readonly subjectDn: string;
  readonly issuerDn: string;
  /** Canonical (X509_NAME_cmp) forms, as hex, for matching issuer fields to subjects. */
  readonly subjectKey: string;
  readonly issuerKey: string;
  readonly version: number;
  /** Serial number as lower-case hex without leading zeros (`-` prefix if negative). */
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly CertificateExtension[];
  readonly isCA: boolean;
  readonly pathLen?: number;
  readonly keyUsage?: readonly KeyUsageName[];
  /** Extended key usage OIDs, when the extension is present. */
  readonly extKeyUsage?: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly proxy?: ProxyInfo;
  /** Set for refused pre-RFC proxies: `legacy` (CN=proxy / CN=limited proxy) or `draft` (GT3). */
  readonly legacyProxy?: 'legacy' | 'draft';
  /** Whether the certificate carries a VOMS attribute certificate extension. */
  readonly hasVomsAc: boolean;
  readonly publicKey: KeyObject;
  /** SHA-256 fingerprint, upper-case hex pairs joined by colons (as node:crypto prints it). */
  readonly fingerprint256: string;
  readonly x509: X509Certificate;
  private readonly signedBy = new Map<string, boolean>();

  private constructor(der: Buffer) {
    this.der = der;
    const [tbs] = readChildren(readOnly(der, TAG.SEQUENCE));
    if (!tbs || tbs.tag !== TAG.SEQUENCE) throw new DerError('no TBSCertificate');
    const fields = readChildren(tbs);
    if (fields[0]?.tag === 0xa0) fields.shift();
    const [serial, , issuer, , subject] = fields;
    if (!serial || serial.tag !== TAG.INTEGER || !issuer || !subject) throw new DerError('bad TBSCertificate');
    this.issuerDer = Buffer.from(issuer.bytes);
    this.subjectDer = Buffer.from(subject.bytes);
    this.issuerRdns = parseRdns(this.issuerDer);
    this.subjectRdns = parseRdns(this.subjectDer);
    this.issuerDn = formatRdns(this.issuerRdns);
    this.subjectDn = formatRdns(this.subjectRdns);
    this.issuerKey = canonicalName(this.issuerRdns).toString('hex');
    this.subjectKey = canonicalName(this.subjectRdns).toString('hex');
    const serialValue = decodeInteger(serial.content);
    this.serialHex = (serialValue < 0n ? '-' : '') + (serialValue < 0n ? -serialValue : serialValue).toString(16);

    const asn = AsnConvert.parse(der, AsnCertificate);
    const t = asn.tbsCertificate;
    this.version = t.version + 1;
    this.notBefore = t.validity.notBefore.getTime();
    this.notAfter = t.validity.notAfter.getTime();
    if (Number.isNaN(this.notBefore.getTime()) || Number.isNaN(this.notAfter.getTime())) throw new DerError('bad validity dates');

    const extensions: CertificateExtension[] = [];
    for (const e of t.extensions ?? []) {
      if (extensions.some((x) => x.oid === e.extnID)) throw new DerError(`duplicate extension ${e.extnID}`);
      extensions.push({ oid: e.extnID, critical: e.critical, value: Buffer.from(e.extnValue.buffer) });
    }
    this.extensions = extensions;
    const ext = (oid: string): CertificateExtension | undefined => extensions.find((e) => e.oid === oid);

    const bc = ext(OID.basicConstraints);
    const basic = bc ? AsnConvert.parse(bc.value, BasicConstraints) : undefined;
    this.isCA = basic?.cA === true;
    if (this.isCA && basic?.pathLenConstraint !== undefined) this.pathLen = basic.pathLenConstraint;

    const ku = ext(OID.keyUsage);
    if (ku) {
      const flags = AsnConvert.parse(ku.value, KeyUsage).toNumber();
      this.keyUsage = KEY_USAGE_NAMES.filter((_n, bit) => (flags & (1 << bit)) !== 0);
    }
    const eku = ext(OID.extKeyUsage);
    if (eku) this.extKeyUsage = [...AsnConvert.parse(eku.value, ExtendedKeyUsage)];
    const san = ext(OID.subjectAltName);
    const names = san ? [...AsnConvert.parse(san.value, SubjectAlternativeName)] : [];
    this.dnsNames = names.flatMap((n) => (n.dNSName !== undefined ? [n.dNSName] : []));
    this.ipAddresses = names.flatMap((n) => (n.iPAddress !== undefined ? [n.iPAddress] : []));

    const pci = ext(OID.proxyCertInfo);
    if (pci) {
      const info = decodeProxyCertInfo(pci.value);
      this.proxy = {
        ...(info.pathLen === undefined ? {} : { pathLen: info.pathLen }),
        policyLanguage: info.policyLanguage,
        limited: info.policyLanguage === OID.pplLimited,
        independent: info.policyLanguage === OID.pplIndependent,
        critical: pci.critical,
      };
    } else if (ext(OID.proxyCertInfoDraft)) {
      this.legacyProxy = 'draft';
    } else if (this.looksLikeLegacyProxy()) {
      this.legacyProxy = 'legacy';
    }
    this.hasVomsAc = ext(OID.vomsAc) !== undefined;

    this.x509 = new X509Certificate(der);
    this.publicKey = this.x509.publicKey;
    this.fingerprint256 = this.x509.fingerprint256;
  }

  /** A Globus legacy proxy: subject = issuer + CN=proxy or CN=limited proxy, no ProxyCertInfo. */
  private looksLikeLegacyProxy(): boolean {
    const last = this.subjectRdns[this.subjectRdns.length - 1];
    const only = last?.attributes.length === 1 ? last.attributes[0] : undefined;
    if (!only || only.oid !== OID.commonName || (only.value !== 'proxy' && only.value !== 'limited proxy')) return false;
    const prefix = this.subjectRdns.slice(0, -1);
    return prefix.length === this.issuerRdns.length && prefix.every((r, i) => r.der.equals((this.issuerRdns[i] as Rdn).der));
  }

  /** Parses one DER certificate; throws CredentialError BAD_CERTIFICATE. */
  static fromDer(der: Buffer | Uint8Array): Certificate {
    try {
      return new Certificate(Buffer.from(der));
    } catch (err) {
      throw new CredentialError('BAD_CERTIFICATE', `not a valid X.509 certificate: ${(err as Error).message}`);
    }
  }

  /** Parses every CERTIFICATE block of a PEM text. */
  static fromPem(pem: string): Certificate[] {
    return parsePem(pem).map((der) => Certificate.fromDer(der));
  }

  /** The extension with this OID, if present. */
  extension(oid: string): CertificateExtension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  /** Whether the subject equals the issuer field (canonical comparison). */
  get isSelfIssued(): boolean {
    return this.subjectKey === this.issuerKey;
  }

  /** Whether this certificate's signature verifies with the issuer's public key. */
  isSignedBy(issuer: Certificate): boolean {
    let ok = this.signedBy.get(issuer.fingerprint256);
    if (ok === undefined) {
      try {
        ok = this.x509.verify(issuer.publicKey);
      } catch {
        ok = false;
      }
      this.signedBy.set(issuer.fingerprint256, ok);
    }
    return ok;
  }

  /** Whether the key usage extension is absent or asserts `usage`. */
  allows(usage: KeyUsageName): boolean {
    return this.keyUsage === undefined || this.keyUsage.includes(usage);
  }
}
