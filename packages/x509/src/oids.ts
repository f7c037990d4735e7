/**
 * Object identifiers the package reads or writes: X.509 extensions, RFC 3820 proxy policy
 * languages, the pre-RFC proxy markers that are refused, and the VOMS attribute extension.
 */
export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  crlNumber: '2.5.29.20',
  certificatePolicies: '2.5.29.32',
  policyConstraints: '2.5.29.36',
  policyMappings: '2.5.29.33',
  inhibitAnyPolicy: '2.5.29.54',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  /** RFC 3820 ProxyCertInfo. */
  proxyCertInfo: '1.3.6.1.5.5.7.1.14',
  /** GT3 "draft" proxies' ProxyCertInfo: refused as legacy. */
  proxyCertInfoDraft: '1.3.6.1.4.1.3536.1.222',
  /** id-ppl-inheritAll: a full proxy. */
  pplInheritAll: '1.3.6.1.5.5.7.21.1',
  /** id-ppl-independent: refused. */
  pplIndependent: '1.3.6.1.5.5.7.21.2',
  /** Globus limited proxy policy language. */
  pplLimited: '1.3.6.1.4.1.3536.1.1.1.9',
  /** VOMS attribute certificate sequence, carried in VOMS proxies. */
  vomsAc: '1.3.6.1.4.1.8005.100.100.5',
  commonName: '2.5.4.3',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
} as const;

/** Extensions this package understands, so that they may be critical. */
export const KNOWN_CRITICAL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.issuerAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.certificatePolicies,
  OID.policyConstraints,
  OID.policyMappings,
  OID.inhibitAnyPolicy,
  OID.crlDistributionPoints,
  OID.authorityInfoAccess,
  OID.proxyCertInfo,
  OID.proxyCertInfoDraft,
]);
