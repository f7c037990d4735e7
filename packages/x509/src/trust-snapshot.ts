/**
 * One immutable, loaded state of the trust anchors: CA certificates indexed by subject, CRLs
 * indexed by issuer (a CRL is handed out for a CA only once its signature verifies with that
 * CA's key), and signing policies. A TrustStore swaps in a new snapshot, with a new
 * generation number, whenever its files change; a validation uses one snapshot throughout.
 */
import type { Certificate } from './certificate.js';
import type { Crl } from './crl.js';
import { type SigningPolicies, policyAllows } from './signing-policy.js';
import { subjectHash } from './subject-hash.js';

export interface TrustMaterial {
  anchors: Certificate[];
  crls: Crl[];
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

  constructor(material: TrustMaterial, generation: number) {
    this.generation = generation;
    this.policies = material.policies;
    this.policyHashes = material.policyHashes;
    this.warnings = material.warnings;
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
    }
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
   * Whether the CA's signing policy lets it sign `subjectDn`: true without a policy; false
   * when a `<hash>.signing_policy` file exists for the CA but has no block naming it.
   */
  signingPolicyAllows(ca: Certificate, subjectDn: string): boolean {
    if (this.policies.has(ca.subjectDn)) return policyAllows(this.policies, ca.subjectDn, subjectDn);
    return !this.policyHashes.has(subjectHash(ca));
  }
}
