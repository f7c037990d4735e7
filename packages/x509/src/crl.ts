/**
 * A certificate revocation list: issuer, update times, the set of revoked serial numbers, and
 * a check of its signature against a CA certificate (a CRL only counts once that verifies).
 * Parsed with @peculiar/asn1-x509; the signed bytes are taken exactly from the DER.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import type { Certificate } from './certificate.js';
import { CredentialError } from './credential-error.js';
import { DerError, TAG, decodeInteger, decodeOid, readChildren, readOnly } from './der-reader.js';
import { type Rdn, formatRdns, parseRdns } from './distinguished-name.js';
import { parsePem } from './pem.js';
import { verifySignature } from './signature-algorithm.js';
import { canonicalName } from './subject-hash.js';

/** Normalizes a serial number written in hex: lower case, no leading zeros. */
export function normalizeSerialHex(hex: string): string {
  const neg = hex.startsWith('-');
  const digits = (neg ? hex.slice(1) : hex).replace(/[:\s]/g, '').toLowerCase().replace(/^0+/, '') || '0';
  return (neg && digits !== '0' ? '-' : '') + digits;
}

export class Crl {
  readonly der: Buffer;
  readonly issuerDer: Buffer;
  readonly issuerRdns: readonly Rdn[];
  /** OpenSSL slash form of the issuer. */
  readonly issuerDn: string;
  /** Canonical form of the issuer name, as hex (matches Certificate.subjectKey). */
  readonly issuerKey: string;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** Revoked serial numbers, normalized hex. */
  readonly revokedSerials: ReadonlySet<string>;
  private readonly tbs: Buffer;
  private readonly sigOid: string;
  private readonly sigParams: Buffer | undefined;
  private readonly signature: Buffer;
  private readonly signedBy = new Map<string, boolean>();

  private constructor(der: Buffer) {
    this.der = der;
    const [tbs, alg, sig, extra] = readChildren(readOnly(der, TAG.SEQUENCE));
    if (!tbs || tbs.tag !== TAG.SEQUENCE || !alg || alg.tag !== TAG.SEQUENCE || !sig || sig.tag !== TAG.BIT_STRING || extra) {
      throw new DerError('bad CertificateList');
    }
    this.tbs = Buffer.from(tbs.bytes);
    const [oid, params] = readChildren(alg);
    if (!oid || oid.tag !== TAG.OID) throw new DerError('bad signature algorithm');
    this.sigOid = decodeOid(oid.content);
    this.sigParams = params ? Buffer.from(params.bytes) : undefined;
    if (sig.content[0] !== 0) throw new DerError('signature bit string has unused bits');
    this.signature = Buffer.from(sig.content.subarray(1));

    const fields = readChildren(tbs);
    if (fields[0]?.tag === TAG.INTEGER) fields.shift();
    const issuer = fields[1];
    if (!issuer || issuer.tag !== TAG.SEQUENCE) throw new DerError('bad CRL issuer');
    this.issuerDer = Buffer.from(issuer.bytes);
    this.issuerRdns = parseRdns(this.issuerDer);
    this.issuerDn = formatRdns(this.issuerRdns);
    this.issuerKey = canonicalName(this.issuerRdns).toString('hex');

    const asn = AsnConvert.parse(der, CertificateList).tbsCertList;
    this.thisUpdate = asn.thisUpdate.getTime();
    if (asn.nextUpdate) this.nextUpdate = asn.nextUpdate.getTime();
    const serials = new Set<string>();
    for (const r of asn.revokedCertificates ?? []) {
      const v = decodeInteger(Buffer.from(r.userCertificate));
      serials.add((v < 0n ? '-' : '') + (v < 0n ? -v : v).toString(16));
    }
    this.revokedSerials = serials;
  }

  /** Parses one DER CRL; throws CredentialError BAD_CERTIFICATE. */
  static fromDer(der: Buffer | Uint8Array): Crl {
    try {
      return new Crl(Buffer.from(der));
    } catch (err) {
      throw new CredentialError('BAD_CERTIFICATE', `not a valid X.509 CRL: ${(err as Error).message}`);
    }
  }

  /** Parses every `X509 CRL` block of a PEM text. */
  static fromPem(pem: string): Crl[] {
    return parsePem(pem, 'X509 CRL').map((der) => Crl.fromDer(der));
  }

  /** Whether the serial (hex, any case, leading zeros allowed) is listed as revoked. */
  isRevoked(serialHex: string): boolean {
    return this.revokedSerials.has(normalizeSerialHex(serialHex));
  }

  /** Whether the CRL is past its nextUpdate at `now` (never, when it has none). */
  isExpired(now: Date, skewSeconds = 0): boolean {
    return this.nextUpdate !== undefined && now.getTime() > this.nextUpdate.getTime() + skewSeconds * 1000;
  }

  /** Whether the CRL names this CA as issuer and its signature verifies with the CA's key. */
  isSignedBy(cert: Certificate): boolean {
    if (cert.subjectKey !== this.issuerKey) return false;
    let ok = this.signedBy.get(cert.fingerprint256);
    if (ok === undefined) {
      ok = verifySignature(this.tbs, this.sigOid, this.sigParams, this.signature, cert.publicKey);
      this.signedBy.set(cert.fingerprint256, ok);
    }
    return ok;
  }
}
