/**
 * Issuing RFC 3820 proxy certificates exactly as `grid-proxy-init` makes them: a fresh key,
 * a random positive 31-bit serial, subject = the issuer's subject (its exact RDN bytes) plus
 * `CN=<serial>` as a PrintableString, back-dated 5 minutes, not outliving its issuer, the
 * issuer's key usage (without CA bits), and a critical ProxyCertInfo with the inheritAll or
 * limited policy language. A proxy of a limited proxy is limited.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import type { Certificate, CertificateExtension } from './certificate.js';
import { buildCertificate } from './certificate-builder.js';
import { TAG, readChildren, readOnly } from './der-reader.js';
import { encodeElement, encodeOid, encodeSequence, encodeSet } from './der-writer.js';
import { keyUsageExtension } from './extension-encoders.js';
import { generateKeyPair } from './key-pair.js';
import { OID } from './oids.js';
import { encodeProxyCertInfo } from './proxy-cert-info.js';

export interface IssueProxyOptions {
  issuerCert: Certificate;
  issuerKey: KeyObject;
  lifetimeSeconds: number;
  limited?: boolean;
  /** pCPathLenConstraint: how many proxies may be made beneath this one. */
  pathLen?: number;
  /** RSA key size, default 2048. */
  bits?: number;
  /** Policy language OID; overrides `limited` (tests use it for independent or unknown ones). */
  policyLanguage?: string;
  /** Further extensions, appended as given. */
  extensions?: CertificateExtension[];
  /** Start of validity; default 5 minutes ago, as grid-proxy-init back-dates (tests use it for expired proxies). */
  notBefore?: Date;
}

const BACKDATE_MS = 5 * 60 * 1000;

export function issueProxy(opts: IssueProxyOptions): { cert: Certificate; key: KeyObject } {
  const { issuerCert } = opts;
  const { privateKey, publicKey } = generateKeyPair(opts.bits ?? 2048);
  const serialNumber = (randomBytes(4).readUInt32BE(0) & 0x7fffffff) || 1;
  const serial = Buffer.alloc(4);
  serial.writeUInt32BE(serialNumber);
  const cn = encodeSet([encodeSequence([encodeOid(OID.commonName), encodeElement(TAG.PRINTABLE_STRING, Buffer.from(String(serialNumber)))])]);
  const issuerRdns = readChildren(readOnly(issuerCert.subjectDer, TAG.SEQUENCE)).map((r) => r.bytes);
  const subjectName = encodeSequence([...issuerRdns, cn]);

  // The lifetime counts from now (from notBefore when one is given), the start back-dated.
  const start = opts.notBefore?.getTime() ?? Date.now();
  const notBefore = opts.notBefore ? start : start - BACKDATE_MS;
  const notAfter = Math.min(start + opts.lifetimeSeconds * 1000, issuerCert.notAfter.getTime());
  const limited = opts.limited === true || issuerCert.proxy?.limited === true;
  const policyLanguage = opts.policyLanguage ?? (limited ? OID.pplLimited : OID.pplInheritAll);
  const extensions: CertificateExtension[] = [];
  if (issuerCert.keyUsage) {
    const usages = issuerCert.keyUsage.filter((u) => u !== 'keyCertSign' && u !== 'cRLSign' && u !== 'nonRepudiation');
    extensions.push(keyUsageExtension(usages));
  }
  const pci = opts.pathLen === undefined ? { policyLanguage } : { policyLanguage, pathLen: opts.pathLen };
  extensions.push({ oid: OID.proxyCertInfo, critical: true, value: encodeProxyCertInfo(pci) });
  extensions.push(...(opts.extensions ?? []));

  const cert = buildCertificate({
    serial,
    issuerName: issuerCert.subjectDer,
    subjectName,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    publicKey,
    extensions,
    signingKey: opts.issuerKey,
  });
  return { cert, key: privateKey };
}
