/**
 * Building the certification path of a presented chain: from the leaf, each certificate's
 * issuer is looked up by name among the trust anchors and the presented certificates, and
 * taken only if the signature verifies with its key (so a rogue CA with a trusted CA's name
 * is never mistaken for it). Once the path reaches a trust anchor it climbs through anchors
 * only, up to a self-signed root or a trusted intermediate without a trusted issuer.
 * Pre-RFC proxies are refused here, before their missing issuers could be reported instead.
 */
import type { Certificate } from './certificate.js';
import { RFC_PROXY_HINT, refuse } from './credential-error.js';
import type { TrustSnapshot } from './trust-snapshot.js';

const MAX_PATH = 16;

function refuseLegacy(cert: Certificate): never {
  const what = cert.legacyProxy === 'draft' ? 'a GT3 draft proxy' : 'a legacy Globus proxy';
  refuse('LEGACY_PROXY', `${cert.subjectDn} is ${what}, which is not accepted: ${RFC_PROXY_HINT}`);
}

const isSelfSigned = (c: Certificate): boolean => c.isSelfIssued && c.isSignedBy(c);

/** The path from the leaf to a trust anchor, leaf first, anchor(s) last. */
export function buildPath(presented: readonly Certificate[], trust: TrustSnapshot): Certificate[] {
  const leaf = presented[0];
  if (!leaf) return refuse('BAD_CERTIFICATE', 'no certificate was presented');
  let cur = trust.anchorFor(leaf) ?? leaf;
  const path: Certificate[] = [cur];
  const used = new Set([cur.fingerprint256]);
  for (;;) {
    if (path.length > MAX_PATH) refuse('BAD_CERTIFICATE', `certificate path longer than ${MAX_PATH}`);
    const anchored = trust.anchorFor(cur) !== undefined;
    if (!anchored && cur.legacyProxy) refuseLegacy(cur);
    if (isSelfSigned(cur)) {
      if (anchored) return path;
      refuse('UNKNOWN_CA', `${cur.subjectDn} is a self-signed certificate that is not a trusted CA`);
    }
    const named = trust.anchorsNamed(cur.issuerKey).filter((a) => !used.has(a.fingerprint256));
    let next = named.find((a) => cur.isSignedBy(a));
    let candidates = named.length;
    if (!next && !anchored) {
      const others = presented.filter((c) => c.subjectKey === cur.issuerKey && !used.has(c.fingerprint256));
      candidates += others.length;
      const found = others.find((c) => cur.isSignedBy(c));
      next = found ? (trust.anchorFor(found) ?? found) : undefined;
    }
    if (!next) {
      if (anchored) return path; // a trusted intermediate whose issuer is not in the store
      if (candidates > 0) refuse('BAD_SIGNATURE', `the signature of ${cur.subjectDn} does not verify with the key of ${cur.issuerDn}`);
      if (cur.proxy) refuse('INCOMPLETE_CHAIN', `the issuer ${cur.issuerDn} of proxy ${cur.subjectDn} was not presented: send the whole proxy file (proxy, key and issuer chain)`);
      refuse('UNKNOWN_CA', `the issuer ${cur.issuerDn} of ${cur.subjectDn} is not a trusted CA`);
    }
    used.add(next.fingerprint256);
    path.push(next);
    cur = next;
  }
}
