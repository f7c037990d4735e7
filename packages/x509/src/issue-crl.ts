/**
 * Issuing a v2 CRL signed by a CA (tests and the development PKI): the revoked serials, this
 * and next update, the CA's key identifier and a CRL number.
 */
import type { KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, CertificateList, Extension, Name, RevokedCertificate, TBSCertList, Time, Version } from '@peculiar/asn1-x509';
import type { Certificate } from './certificate.js';
import { Crl, normalizeSerialHex } from './crl.js';
import { authorityKeyIdentifierExtension, crlNumberExtension } from './extension-encoders.js';
import { signBytes, signingAlgorithmFor } from './signature-algorithm.js';

export interface IssueCrlOptions {
  issuer: { cert: Certificate; key: KeyObject };
  /** Serial numbers in hex (as Certificate.serialHex). */
  revokedSerials: string[];
  thisUpdate?: Date;
  nextUpdate: Date;
  crlNumber?: number;
}

const arrayBuffer = (b: Buffer): ArrayBuffer => new Uint8Array(b).buffer;

function serialBytes(hex: string): Buffer {
  const n = normalizeSerialHex(hex);
  if (n.startsWith('-')) throw new Error('negative serial numbers are not supported');
  const padded = n.length % 2 ? '0' + n : n;
  const bytes = Buffer.from(padded, 'hex');
  return ((bytes[0] as number) & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

export function issueCrl(opts: IssueCrlOptions): Crl {
  const thisUpdate = opts.thisUpdate ?? new Date();
  const alg = signingAlgorithmFor(opts.issuer.key);
  const algorithm = new AlgorithmIdentifier({ algorithm: alg.oid, ...(alg.params ? { parameters: arrayBuffer(alg.params) } : {}) });
  const ext = [authorityKeyIdentifierExtension(opts.issuer.cert.publicKey), crlNumberExtension(opts.crlNumber ?? 1)];
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: algorithm,
    issuer: AsnConvert.parse(opts.issuer.cert.subjectDer, Name),
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(opts.nextUpdate),
    crlExtensions: ext.map((e) => new Extension({ extnID: e.oid, critical: e.critical, extnValue: new OctetString(e.value) })),
  });
  if (opts.revokedSerials.length > 0) {
    tbs.revokedCertificates = opts.revokedSerials.map(
      (s) => new RevokedCertificate({ userCertificate: arrayBuffer(serialBytes(s)), revocationDate: new Time(thisUpdate) }),
    );
  }
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = signBytes(tbsDer, alg, opts.issuer.key);
  const list = new CertificateList({ tbsCertList: tbs, signatureAlgorithm: algorithm, signature: arrayBuffer(signature) });
  return Crl.fromDer(Buffer.from(AsnConvert.serialize(list)));
}
