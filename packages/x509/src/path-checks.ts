/**
 * The decision on a built certification path (leaf first, trust anchor last): proxies above
 * one end-entity certificate (EEC) that is not a CA; every non-proxy certificate issued by a
 * CA that may sign certificates, within the CA's path length and signing policy; proxy path
 * lengths; no unknown critical extension; validity dates at every link with the clock-skew
 * allowance; and revocation of the EEC and every CA above it by verified, current CRLs (a CA
 * whose CRL is expired, not yet valid, unreadable or badly signed has all its certificates
 * refused, as `openssl verify -crl_check_all` does, rather than none checked).
 * Returns the identity and the time window in which this result stays true.
 */
import type { Certificate } from './certificate.js';
import { refuse } from './credential-error.js';
import type { Identity } from './identity.js';
import { KNOWN_CRITICAL_EXTENSIONS } from './oids.js';
import { checkProxyLink } from './proxy-rules.js';
import type { TrustSnapshot } from './trust-snapshot.js';

export interface PathVerdict {
  identity: Identity;
  /** The result holds from `validFrom` to `validUntil` (ms since the epoch, skew included). */
  validFrom: number;
  validUntil: number;
}

function checkStructure(path: readonly Certificate[], eec: number, trust: TrustSnapshot): void {
  const leaf = path[eec] as Certificate;
  if (leaf.isCA) refuse('NOT_END_ENTITY', `${leaf.subjectDn} is a CA certificate, not a user or host certificate`);
  for (let i = 0; i < eec; i++) {
    const proxy = path[i] as Certificate;
    checkProxyLink(proxy, path[i + 1] as Certificate);
    const limit = proxy.proxy?.pathLen;
    if (limit !== undefined && i > limit) {
      refuse('PATH_LENGTH_EXCEEDED', `proxy ${proxy.subjectDn} allows ${limit} proxies beneath it, but ${i} were made`);
    }
  }
  if (eec === path.length - 1) refuse('UNKNOWN_CA', `${leaf.subjectDn} is not issued by a trusted CA`);
  let intermediates = 0;
  for (let i = eec; i < path.length - 1; i++) {
    const cert = path[i] as Certificate;
    const issuer = path[i + 1] as Certificate;
    if (i > eec && !cert.isSelfIssued) intermediates++;
    if (issuer.proxy) refuse('BAD_PROXY', `${cert.subjectDn} is signed by the proxy ${issuer.subjectDn}`);
    if (!issuer.isCA || !issuer.allows('keyCertSign')) {
      refuse('ISSUER_NOT_CA', `${cert.subjectDn} is signed by ${issuer.subjectDn}, which is not a CA (a certificate signed by a user certificate is not a proxy)`);
    }
    if (issuer.pathLen !== undefined && intermediates > issuer.pathLen) {
      refuse('PATH_LENGTH_EXCEEDED', `CA ${issuer.subjectDn} allows ${issuer.pathLen} intermediate CAs beneath it, but the path has ${intermediates}`);
    }
    if (!trust.signingPolicyAllows(issuer, cert.subjectDn)) {
      refuse('SIGNING_POLICY', `the signing policy of CA ${issuer.subjectDn} does not allow it to sign ${cert.subjectDn}`);
    }
  }
  for (const cert of path) {
    if (trust.anchorFor(cert)) continue;
    const unknown = cert.extensions.find((e) => e.critical && !KNOWN_CRITICAL_EXTENSIONS.has(e.oid));
    if (unknown) refuse('BAD_CERTIFICATE', `${cert.subjectDn} has an unknown critical extension ${unknown.oid}`);
  }
}

function checkDates(path: readonly Certificate[], now: number, skewMs: number): void {
  for (const cert of path) {
    if (cert.notBefore.getTime() - skewMs > now) {
      refuse('CERT_NOT_YET_VALID', `${cert.subjectDn} is not valid before ${cert.notBefore.toISOString()}`);
    }
    if (cert.notAfter.getTime() + skewMs < now) {
      const hint = cert.proxy ? ': make a new proxy (grid-proxy-init)' : '';
      refuse('CERT_EXPIRED', `${cert.subjectDn} expired on ${cert.notAfter.toISOString()}${hint}`);
    }
  }
}

const FETCH_CRL = "the server's CRLs must be updated (run fetch-crl)";

/** Checks revocation; returns the earliest time a consulted CRL stops being current. */
function checkRevocation(path: readonly Certificate[], eec: number, trust: TrustSnapshot, now: number, skewMs: number): number {
  let until = Infinity;
  for (let i = eec; i < path.length - 1; i++) {
    const cert = path[i] as Certificate;
    const issuer = path[i + 1] as Certificate;
    const problem = trust.crlProblem(issuer);
    if (problem) refuse('CRL_UNUSABLE', `the CRL of CA ${issuer.subjectDn} is unusable, ${problem}: ${FETCH_CRL}`);
    const crls = trust.crlsFor(issuer);
    if (crls.length === 0) continue;
    const early = crls.find((crl) => crl.thisUpdate.getTime() - skewMs > now);
    if (early) {
      refuse('CRL_UNUSABLE', `the CRL of CA ${issuer.subjectDn} is unusable, it is not valid before ${early.thisUpdate.toISOString()}: ${FETCH_CRL}`);
    }
    const newest = crls.reduce((a, b) => (b.thisUpdate.getTime() > a.thisUpdate.getTime() ? b : a));
    if (newest.nextUpdate) {
      const deadline = newest.nextUpdate.getTime() + skewMs;
      if (deadline < now) {
        refuse('CRL_EXPIRED', `the CRL of CA ${issuer.subjectDn} expired on ${newest.nextUpdate.toISOString()}: ${FETCH_CRL}`);
      }
      until = Math.min(until, deadline);
    }
    if (crls.some((crl) => crl.isRevoked(cert.serialHex))) {
      refuse('CERT_REVOKED', `${cert.subjectDn} (serial ${cert.serialHex}) has been revoked by ${issuer.subjectDn}`);
    }
  }
  return until;
}

export function checkPath(path: readonly Certificate[], trust: TrustSnapshot, now: number, skewMs: number): PathVerdict {
  const eec = path.findIndex((c) => !c.proxy);
  if (eec < 0) refuse('INCOMPLETE_CHAIN', 'the chain holds proxies but no end-entity certificate');
  checkStructure(path, eec, trust);
  checkDates(path, now, skewMs);
  const crlUntil = checkRevocation(path, eec, trust, now, skewMs);
  const leaf = path[eec] as Certificate;
  const proxies = path.slice(0, eec);
  const notAfter = Math.min(...path.map((c) => c.notAfter.getTime()));
  const identity: Identity = Object.freeze({
    dn: leaf.subjectDn,
    issuerDn: leaf.issuerDn,
    kind: eec > 0 ? 'proxy' : 'eec',
    limited: proxies.some((p) => p.proxy?.limited === true),
    proxyDepth: eec,
    voms: proxies.some((p) => p.hasVomsAc),
    notAfter: new Date(notAfter),
  });
  return {
    identity,
    validFrom: Math.max(...path.map((c) => c.notBefore.getTime())) - skewMs,
    validUntil: Math.min(notAfter + skewMs, crlUntil),
  };
}
