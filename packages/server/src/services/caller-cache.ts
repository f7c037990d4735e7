/**
 * Resolved callers kept for a short while, so that a busy client does not cost the database
 * a user, group and permission lookup on every request (on PostgreSQL, round trips). An entry
 * is keyed by everything resolution depends on from the connection (DN, limited, FQANs) and
 * is used only while the account stores have seen no write since it was resolved (their
 * WriteCounter, `metadata/write-counter.ts`; `metadata/short-cache.ts`): any change to a user,
 * group, membership or permission made through this server, suspension included, takes effect
 * on the next request. Changes made elsewhere (another server instance on the same database,
 * `repoman-server admin`) take effect within CALLER_CACHE_MS (1 s). Refusals (a suspended
 * user) are not kept.
 */
import { ShortCache } from '../metadata/short-cache.js';
import type { WriteCounter } from '../metadata/write-counter.js';
import { identityKey, type Caller, type Identity } from './caller.js';

export const CALLER_CACHE_MS = 1_000;

export interface CallerCache {
  /** The cached caller of `identity`, or `resolve()`'s answer (then kept). */
  get(identity: Identity, resolve: () => Promise<Caller>): Promise<Caller>;
}

export function createCallerCache(accountWrites: WriteCounter, ttlMs = CALLER_CACHE_MS): CallerCache {
  const cache = new ShortCache<Caller>(() => accountWrites.count, ttlMs);
  return {
    get: (identity, resolve) => cache.get(identityKey(identity), resolve),
  };
}
