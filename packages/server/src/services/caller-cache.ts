/**
 * Resolved callers kept for a short while, so that a busy client does not cost the database
 * a user, group and permission lookup on every request (on PostgreSQL, round trips). An entry
 * is keyed by everything resolution depends on from the connection (DN, limited, FQANs) and
 * is used only while the account stores have seen no write since it was resolved (the stores'
 * WriteCounter, `metadata/write-counter.ts`): any change to a user, group, membership or
 * permission made through this server, suspension included, takes effect on the next request.
 * Changes made elsewhere (another server instance on the same database, `repoman-server admin`)
 * take effect within `ttlMs` (CALLER_CACHE_MS, 1 s). Refusals (a suspended user) are not kept.
 */
import type { WriteCounter } from '../metadata/write-counter.js';
import type { Caller, Identity } from './caller.js';

export const CALLER_CACHE_MS = 1_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  readonly caller: Promise<Caller>;
  readonly writes: number;
  readonly until: number;
}

export interface CallerCache {
  /** The cached caller of `identity`, or `resolve()`'s answer (kept when no write happened meanwhile). */
  get(identity: Identity, resolve: () => Promise<Caller>): Promise<Caller>;
}

export function createCallerCache(accountWrites: WriteCounter, ttlMs = CALLER_CACHE_MS, now: () => number = Date.now): CallerCache {
  const entries = new Map<string, Entry>();
  return {
    get(identity, resolve) {
      const key = `${identity.limited ? 'L' : 'F'}${identity.dn}\n${(identity.fqans ?? []).join('\n')}`;
      const time = now();
      const entry = entries.get(key);
      if (entry !== undefined && entry.writes === accountWrites.count && time < entry.until) return entry.caller;
      const writes = accountWrites.count;
      const caller = resolve();
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(key, { caller, writes, until: time + ttlMs });
      caller.catch(() => {
        if (entries.get(key)?.caller === caller) entries.delete(key);
      });
      return caller;
    },
  };
}
