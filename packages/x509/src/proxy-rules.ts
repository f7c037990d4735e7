/**
 * The RFC 3820 rules for one proxy link (a proxy and the certificate that signed it, a proxy
 * or the EEC): a critical ProxyCertInfo with an accepted policy language (inheritAll or the
 * Globus limited language; independent and unknown languages refused), subject = issuer's
 * subject plus exactly one CN RDN (compared as DER), no alternative names, not a CA, and an
 * issuer whose key may sign (digitalSignature, when key usage is present).
 */
import type { Certificate } from './certificate.js';
import { RFC_PROXY_HINT, refuse } from './credential-error.js';
import { OID } from './oids.js';

export function checkProxyLink(proxy: Certificate, issuer: Certificate): void {
  const info = proxy.proxy;
  const dn = proxy.subjectDn;
  if (!info) return refuse('BAD_PROXY', `${dn} is not a proxy certificate`);
  if (!info.critical) refuse('BAD_PROXY', `the ProxyCertInfo extension of proxy ${dn} is not marked critical`);
  if (info.independent) {
    refuse('INDEPENDENT_PROXY', `${dn} is an independent proxy, which does not carry its issuer's identity: ${RFC_PROXY_HINT} without -independent`);
  }
  if (info.policyLanguage !== OID.pplInheritAll && info.policyLanguage !== OID.pplLimited) {
    refuse('UNKNOWN_PROXY_POLICY', `proxy ${dn} uses the unknown policy language ${info.policyLanguage}: ${RFC_PROXY_HINT}`);
  }

  const expected = issuer.subjectRdns;
  const actual = proxy.subjectRdns;
  if (expected.length === 0) refuse('PROXY_NAME_MISMATCH', `proxy ${dn} is signed by a certificate with an empty subject`);
  const prefixMatches = actual.length === expected.length + 1 && expected.every((rdn, i) => rdn.der.equals(actual[i]?.der ?? Buffer.alloc(0)));
  const last = actual[actual.length - 1];
  const lastIsCn = last?.attributes.length === 1 && last.attributes[0]?.oid === OID.commonName;
  if (!prefixMatches || !lastIsCn) {
    refuse('PROXY_NAME_MISMATCH', `proxy subject ${dn} is not its issuer's subject ${issuer.subjectDn} plus one CN`);
  }
  if (!proxy.issuerDer.equals(issuer.subjectDer)) {
    refuse('PROXY_NAME_MISMATCH', `the issuer field ${proxy.issuerDn} of proxy ${dn} is not its signer's subject ${issuer.subjectDn}`);
  }

  if (proxy.extension(OID.subjectAltName) || proxy.extension(OID.issuerAltName)) {
    refuse('BAD_PROXY', `proxy ${dn} has an alternative name extension, which RFC 3820 forbids`);
  }
  if (proxy.isCA || proxy.keyUsage?.includes('keyCertSign')) refuse('BAD_PROXY', `proxy ${dn} claims to be a CA`);
  if (!issuer.allows('digitalSignature')) {
    refuse('BAD_PROXY', `${issuer.subjectDn} may not sign proxies: its key usage lacks digitalSignature`);
  }
}
