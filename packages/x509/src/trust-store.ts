/**
 * The trust anchors a server validates clients against: loaded from a CA file and/or a grid
 * CA directory, and reloaded when those files change (fetch-crl rewrites `.r0` files, new CAs
 * arrive with IGTF updates). refresh() is cheap enough to call on every connection: it looks
 * at the files at most once per `checkIntervalMs`, and reloads only when their names, sizes or
 * times changed. Each reload gives a new `generation`, which keys the validator's cache.
 */
import type { Certificate } from './certificate.js';
import type { Crl } from './crl.js';
import { type TrustSources, loadTrustMaterial, trustFingerprint } from './ca-directory.js';
import type { SigningPolicies } from './signing-policy.js';
import { TrustSnapshot } from './trust-snapshot.js';

export interface TrustStoreOptions extends TrustSources {
  /** Minimum time between two looks at the files by refresh(); default 2000 ms. */
  checkIntervalMs?: number;
}

export class TrustStore {
  private current: TrustSnapshot;
  private readonly sources: TrustSources | undefined;
  private readonly checkIntervalMs: number;
  private fingerprint: string;
  private lastCheck = Date.now();
  private inflight: Promise<boolean> | undefined;
  /** The error of the last failed reload (the previous anchors stay in use), if any. */
  lastError: Error | undefined;

  private constructor(snapshot: TrustSnapshot, sources: TrustSources | undefined, fingerprint: string, checkIntervalMs: number) {
    this.current = snapshot;
    this.sources = sources;
    this.fingerprint = fingerprint;
    this.checkIntervalMs = checkIntervalMs;
  }

  /** Loads a CA file and/or a grid CA directory. Throws if neither can be read. */
  static async load(opts: TrustStoreOptions): Promise<TrustStore> {
    const sources: TrustSources = { ...opts };
    const fingerprint = await trustFingerprint(sources);
    const material = await loadTrustMaterial(sources);
    return new TrustStore(new TrustSnapshot(material, 1), sources, fingerprint, opts.checkIntervalMs ?? 2000);
  }

  /** A fixed, in-memory trust store (development PKI, tests); refresh() never reloads it. */
  static fromCertificates(anchors: Certificate[], extra: { crls?: Crl[]; signingPolicies?: SigningPolicies } = {}): TrustStore {
    const material = {
      anchors, crls: extra.crls ?? [], crlFiles: new Map(), unreadableCrlHashes: new Set<string>(),
      policies: extra.signingPolicies ?? new Map(), policyHashes: new Set<string>(), warnings: [],
    };
    return new TrustStore(new TrustSnapshot(material, 1), undefined, '', Infinity);
  }

  /** The state validations use now. */
  get snapshot(): TrustSnapshot {
    return this.current;
  }

  get anchors(): Certificate[] {
    return [...this.current.anchors];
  }

  get crls(): Crl[] {
    return [...this.current.crls];
  }

  get generation(): number {
    return this.current.generation;
  }

  /** Files that were skipped at the last load. */
  get warnings(): string[] {
    return [...this.current.warnings];
  }

  /**
   * Reloads if the CA file or directory changed since the last load; returns true if it did.
   * Looks at the files at most once per checkIntervalMs unless `force`. Never throws: a
   * failed reload keeps the previous anchors and sets `lastError`.
   */
  refresh(opts: { force?: boolean } = {}): Promise<boolean> {
    if (!this.sources) return Promise.resolve(false);
    if (this.inflight) return this.inflight;
    const now = Date.now();
    if (!opts.force && now - this.lastCheck < this.checkIntervalMs) return Promise.resolve(false);
    this.lastCheck = now;
    const sources = this.sources;
    this.inflight = (async (): Promise<boolean> => {
      try {
        const fingerprint = await trustFingerprint(sources);
        if (fingerprint === this.fingerprint) return false;
        const material = await loadTrustMaterial(sources);
        this.current = new TrustSnapshot(material, this.current.generation + 1);
        this.fingerprint = fingerprint;
        this.lastError = undefined;
        return true;
      } catch (err) {
        this.lastError = err as Error;
        return false;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}
