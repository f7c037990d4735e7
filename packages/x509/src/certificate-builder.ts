/**
 * Assembles and signs a v3 certificate from exact name bytes, validity, public key and
 * extensions (the common step under issueCertificate and issueProxy). The issuer name is
 * copied from the issuer certificate's DER, and the result is parsed back and checked so that
 * the names carry exactly the intended bytes.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier, Certificate as AsnCertificate, Extension, Extensions, Name, SubjectPublicKeyInfo,
  TBSCertificate, Validity, Version,
} from '@peculiar/asn1-x509';
import { Certificate, type CertificateExtension } from './certificate.js';
import { signBytes, signingAlgorithmFor } from './signature-algorithm.js';

export interface BuildOptions {
  serial: Buffer;
  issuerName: Buffer;
  subjectName: Buffer;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  extensions: CertificateExtension[];
  signingKey: KeyObject;
}

const arrayBuffer = (b: Buffer): ArrayBuffer => new Uint8Array(b).buffer;

/** A random positive serial of `bytes` bytes whose first byte is non-zero. */
export function randomSerial(bytes = 16): Buffer {
  const s = randomBytes(bytes);
  s[0] = ((s[0] as number) & 0x7f) | 0x40;
  return s;
}

/** Minimal positive INTEGER content for a serial given as unsigned bytes. */
function serialContent(serial: Buffer): Buffer {
  let i = 0;
  while (i < serial.length - 1 && serial[i] === 0) i++;
  const trimmed = serial.subarray(i);
  if (trimmed.length === 0) throw new Error('empty serial number');
  return ((trimmed[0] as number) & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed);
}

export function buildCertificate(o: BuildOptions): Certificate {
  if (!(o.notAfter.getTime() > o.notBefore.getTime())) throw new Error('notAfter must be after notBefore');
  const alg = signingAlgorithmFor(o.signingKey);
  const algorithm = new AlgorithmIdentifier({ algorithm: alg.oid, ...(alg.params ? { parameters: arrayBuffer(alg.params) } : {}) });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: arrayBuffer(serialContent(o.serial)),
    signature: algorithm,
    issuer: AsnConvert.parse(o.issuerName, Name),
    validity: new Validity({ notBefore: o.notBefore, notAfter: o.notAfter }),
    subject: AsnConvert.parse(o.subjectName, Name),
    subjectPublicKeyInfo: AsnConvert.parse(o.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
  });
  if (o.extensions.length > 0) {
    tbs.extensions = new Extensions(
      o.extensions.map((e) => new Extension({ extnID: e.oid, critical: e.critical, extnValue: new OctetString(e.value) })),
    );
  }
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = signBytes(tbsDer, alg, o.signingKey);
  const cert = new AsnCertificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: arrayBuffer(signature) });
  const result = Certificate.fromDer(Buffer.from(AsnConvert.serialize(cert)));
  if (!result.issuerDer.equals(o.issuerName) || !result.subjectDer.equals(o.subjectName)) {
    throw new Error('the ASN.1 encoder changed a name while issuing');
  }
  return result;
}
