/**
 * Counts the writes made through a store, so that a cache of what the store holds can tell
 * that it may be stale (`services/caller-cache.ts` keeps resolved callers while the account
 * stores' count stays the same; `http/answer-cache.ts` keeps answers while the count of every
 * store's writes stays the same). `countingWrites` wraps a store so that each of its write
 * methods bumps its counters once it has finished (committed or failed): a read that began
 * before then is never taken for current. Every method of a store must be classified as a
 * read or a write (`MethodKinds`): a method added later does not compile until it is, so no
 * write can slip past the caches uncounted.
 */
export class WriteCounter {
  count = 0;
}

/** The names of a store's methods. */
type MethodNames<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

/** Each method of a store, a read or a write. */
export type MethodKinds<T> = { readonly [K in MethodNames<T>]: 'read' | 'write' };

export function countingWrites<T extends object>(store: T, kinds: MethodKinds<T>, ...counters: WriteCounter[]): T {
  const writes = new Set(Object.entries(kinds).filter(([, kind]) => kind === 'write').map(([name]) => name));
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || !writes.has(property)) return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          for (const counter of counters) counter.count += 1;
        }
      };
    },
  });
}
