/**
 * One immutable, loaded state of the trust anchors: CA certificates indexed by subject, CRLs
 * indexed by issuer (a CRL is handed out for a CA only once its signature verifies with that
 * CA's key), and signing policies. A CRL file that cannot be read, or a CRL that verifies with
 * no trusted CA of its issuer's name, makes that CA's CRLs unusable (see crlProblem) rather
 * than being skipped, which would turn revocation off. A TrustStore swaps in a new snapshot,
 * with a new generation number, whenever its files change; a validation uses one snapshot.
 */
import type { Certificate } from './certificate.js';
import type { Crl } from './crl.js';
import { type SigningPolicies, policyAllows } from './signing-policy.js';
import { subjectHash } from './subject-hash.js';

export interface TrustMaterial {
  anchors: Certificate[];
  crls: Crl[];
  /** The file each CRL was read from (none for CRLs given in memory). */
  crlFiles: Map<Crl, string>;
  /** Subject hashes of `<hash>.rN` files that could not be parsed (their CA is known only by that hash). */
  unreadableCrlHashes: Set<string>;
  policies: SigningPolicies;
  /** Subject hashes that have a `<hash>.signing_policy` file. */
  policyHashes: Set<string>;
  /** Files that could not be read or parsed (they are skipped). */
  warnings: string[];
}

export class TrustSnapshot {
  readonly generation: number;
  readonly anchors: readonly Certificate[];
  readonly crls: readonly Crl[];
  readonly warnings: readonly string[];
  private readonly policies: SigningPolicies;
  private readonly policyHashes: ReadonlySet<string>;
  private readonly byFingerprint = new Map<string, Certificate>();
  private readonly bySubject = new Map<string, Certificate[]>();
  private readonly crlsByIssuer = new Map<string, Crl[]>();
  private readonly verifiedCrls = new Map<string, Crl[]>();
  private readonly unreadableCrlHashes: ReadonlySet<string>;
  private readonly unverifiedCrlIssuers = new Set<string>();

  constructor(material: TrustMaterial, generation: number) {
    this.generation = generation;
    this.policies = material.policies;
    this.policyHashes = material.policyHashes;
    this.unreadableCrlHashes = material.unreadableCrlHashes;
    const warnings = [...material.warnings];
    const anchors: Certificate[] = [];
    for (const cert of material.anchors) {
      if (this.byFingerprint.has(cert.fingerprint256)) continue;
      this.byFingerprint.set(cert.fingerprint256, cert);
      anchors.push(cert);
      const list = this.bySubject.get(cert.subjectKey) ?? [];
      list.push(cert);
      this.bySubject.set(cert.subjectKey, list);
    }
    this.anchors = anchors;
    this.crls = material.crls;
    for (const crl of material.crls) {
      const list = this.crlsByIssuer.get(crl.issuerKey) ?? [];
      list.push(crl);
      this.crlsByIssuer.set(crl.issuerKey, list);
      const named = this.anchorsNamed(crl.issuerKey);
      // A CRL whose issuer is not trusted here concerns no certificate we accept.
      if (named.length === 0) continue;
      const file = material.crlFiles.get(crl) ?? 'a CRL given in memory';
      if (!named.some((ca) => crl.isSignedBy(ca))) {
        this.unverifiedCrlIssuers.add(crl.issuerKey);
        warnings.push(`${file}: the signature of this CRL of ${crl.issuerDn} does not verify with the CA's key; the certificates of that CA are refused until a good CRL replaces it (run fetch-crl)`);
      }
      if (crl.thisUpdate.getTime() > Date.now()) {
        warnings.push(`${file}: this CRL of ${crl.issuerDn} is not valid before ${crl.thisUpdate.toISOString()}; the certificates of that CA are refused until then or until a good CRL replaces it (run fetch-crl)`);
      }
    }
    this.warnings = warnings;
  }

  /** The stored trust anchor with exactly this certificate's bytes, if it is one. */
  anchorFor(cert: Certificate): Certificate | undefined {
    return this.byFingerprint.get(cert.fingerprint256);
  }

  /** Trust anchors whose subject matches the certificate's issuer field (not yet verified). */
  anchorsNamed(issuerKey: string): readonly Certificate[] {
    return this.bySubject.get(issuerKey) ?? [];
  }

  /** The CRLs issued by this CA whose signature verifies with its key. */
  crlsFor(ca: Certificate): readonly Crl[] {
    let list = this.verifiedCrls.get(ca.fingerprint256);
    if (!list) {
      list = (this.crlsByIssuer.get(ca.subjectKey) ?? []).filter((crl) => crl.isSignedBy(ca));
      this.verifiedCrls.set(ca.fingerprint256, list);
    }
    return list;
  }

  /**
   * Why the CA's CRLs cannot be used, if so: a CRL file of its hash could not be parsed, or a
   * CRL naming it verifies with no trusted CA of that name. Its certificates are then refused.
   */
  crlProblem(ca: Certificate): string | undefined {
    if (this.unverifiedCrlIssuers.has(ca.subjectKey)) return "its signature does not verify with the CA's key";
    if (this.unreadableCrlHashes.size > 0 && this.unreadableCrlHashes.has(subjectHash(ca))) return 'its file cannot be parsed';
    return undefined;
  }

  /**
   * Whether the CA's signing policy lets it sign `subjectDn`: true without a policy; false
   * when a `<hash>.signing_policy` file exists for the CA but has no block naming it.
   */
  signingPolicyAllows(ca: Certificate, subjectDn: string): boolean {
    if (this.policies.has(ca.subjectDn)) return policyAllows(this.policies, ca.subjectDn, subjectDn);
    return !this.policyHashes.has(subjectHash(ca));
  }
}
