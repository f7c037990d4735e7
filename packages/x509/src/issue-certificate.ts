/**
 * Issuing X.509 certificates: CAs, host and user (end-entity) certificates, self-signed or
 * signed by an issuer. Used by the server's development PKI and by tests; the result is an
 * ordinary v3 certificate that OpenSSL and the grid tools accept.
 */
import type { KeyObject } from 'node:crypto';
import type { Certificate, CertificateExtension } from './certificate.js';
import { buildCertificate, randomSerial } from './certificate-builder.js';
import {
  authorityKeyIdentifierExtension, basicConstraintsExtension, extKeyUsageExtension, keyUsageExtension, type ExtKeyUsageName,
  subjectAltNameExtension, subjectKeyIdentifierExtension,
} from './extension-encoders.js';
import { parseDn } from './parse-dn.js';

export interface IssueCertificateOptions {
  /** Subject in slash form, e.g. `/C=CA/O=Grid/CN=Bob Smith`. */
  subject: string;
  publicKey: KeyObject;
  /** The issuing CA; absent: self-signed (then `signingKey` is the subject's private key). */
  issuer?: { cert: Certificate; key: KeyObject };
  /** Signs instead of `issuer.key` (tests use it to forge signatures). */
  signingKey?: KeyObject;
  notBefore?: Date;
  notAfter: Date;
  ca?: boolean;
  pathLen?: number;
  /** Default: keyCertSign, cRLSign for a CA; digitalSignature, keyEncipherment otherwise. */
  keyUsage?: string[];
  /** emailProtection: the key may sign S/MIME (a server signing HEPiX image lists). */
  extKeyUsage?: ExtKeyUsageName[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Serial number as unsigned big-endian bytes; default 16 random bytes. */
  serial?: Buffer;
  /** Further extensions, appended as given. */
  extensions?: CertificateExtension[];
}

export function issueCertificate(opts: IssueCertificateOptions): Certificate {
  const signingKey = opts.signingKey ?? opts.issuer?.key;
  if (!signingKey) throw new Error('issueCertificate: a self-signed certificate needs signingKey (its private key)');
  const subjectName = parseDn(opts.subject);
  const ca = opts.ca === true;
  const extensions: CertificateExtension[] = [
    basicConstraintsExtension(ca, opts.pathLen),
    keyUsageExtension(opts.keyUsage ?? (ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature', 'keyEncipherment'])),
  ];
  if (opts.extKeyUsage?.length) extensions.push(extKeyUsageExtension(opts.extKeyUsage));
  if (opts.dnsNames?.length || opts.ipAddresses?.length) {
    extensions.push(subjectAltNameExtension(opts.dnsNames ?? [], opts.ipAddresses ?? []));
  }
  extensions.push(subjectKeyIdentifierExtension(opts.publicKey));
  extensions.push(authorityKeyIdentifierExtension(opts.issuer?.cert.publicKey ?? opts.publicKey));
  extensions.push(...(opts.extensions ?? []));
  return buildCertificate({
    serial: opts.serial ?? randomSerial(),
    issuerName: opts.issuer?.cert.subjectDer ?? subjectName,
    subjectName,
    notBefore: opts.notBefore ?? new Date(),
    notAfter: opts.notAfter,
    publicKey: opts.publicKey,
    extensions,
    signingKey,
  });
}
