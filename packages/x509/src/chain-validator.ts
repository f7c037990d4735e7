/**
 * The one place where a presented TLS client chain becomes an identity. It builds the path to
 * a trusted CA and applies the grid rules (see path-builder.ts and path-checks.ts); results
 * are kept in a bounded LRU cache keyed by the SHA-256 of the chain's DER and the trust
 * generation, and a cached result is reused only while every certificate (and CRL) involved
 * is still within its dates. Whatever the input, it throws only CredentialError.
 */
import { createHash } from 'node:crypto';
import { Certificate } from './certificate.js';
import { CredentialError, refuse } from './credential-error.js';
import type { Identity } from './identity.js';
import { LruCache } from './lru-cache.js';
import { buildPath } from './path-builder.js';
import { type PathVerdict, checkPath } from './path-checks.js';
import type { TrustStore } from './trust-store.js';

export interface ChainValidatorOptions {
  trust: TrustStore;
  /** Allowance for clocks that disagree, applied to every validity date; default 300. */
  clockSkewSeconds?: number;
  /** Number of validated chains remembered; default 1000 (0 disables the cache). */
  cacheSize?: number;
  now?: () => Date;
}

const MAX_CHAIN = 32;

/** The key a verdict on this exact chain is kept under: the trust generation and the SHA-256 of every certificate, in order. */
export function chainKey(generation: number, chain: readonly Uint8Array[]): string {
  const hash = createHash('sha256').update(`${generation}:`);
  for (const der of chain) hash.update(`${der.length}:`).update(der);
  return hash.digest('hex');
}

export class ChainValidator {
  private readonly trust: TrustStore;
  private readonly skewMs: number;
  private readonly now: () => Date;
  private readonly cache: LruCache<string, PathVerdict>;

  constructor(opts: ChainValidatorOptions) {
    this.trust = opts.trust;
    this.skewMs = (opts.clockSkewSeconds ?? 300) * 1000;
    this.now = opts.now ?? ((): Date => new Date());
    this.cache = new LruCache(opts.cacheSize ?? 1000);
  }

  /**
   * Validates a chain of DER certificates, leaf first, as the TLS peer presented it (it may
   * end with the trust anchor). Returns the identity or throws CredentialError.
   */
  validate(chain: Buffer[]): Identity {
    try {
      return this.run(chain);
    } catch (err) {
      if (err instanceof CredentialError) throw err;
      throw new CredentialError('BAD_CERTIFICATE', `the certificate chain could not be validated: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  private run(chain: Buffer[]): Identity {
    if (!Array.isArray(chain) || chain.length === 0) refuse('BAD_CERTIFICATE', 'no certificate was presented');
    if (chain.length > MAX_CHAIN) refuse('BAD_CERTIFICATE', `more than ${MAX_CHAIN} certificates were presented`);
    const ders = chain.map((d) => {
      if (!(d instanceof Uint8Array)) refuse('BAD_CERTIFICATE', 'a presented certificate is not DER bytes');
      return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    });
    const snapshot = this.trust.snapshot;
    const now = this.now().getTime();
    const key = chainKey(snapshot.generation, ders);

    const hit = this.cache.get(key);
    if (hit) {
      if (now >= hit.validFrom && now <= hit.validUntil) return hit.identity;
      this.cache.delete(key);
    }
    const certs = ders.map((der) => Certificate.fromDer(der));
    const path = buildPath(certs, snapshot);
    const verdict = checkPath(path, snapshot, now, this.skewMs);
    this.cache.set(key, verdict);
    return verdict.identity;
  }
}
