/**
 * Counts the writes made through a store, so that a cache of what the store holds can tell
 * that it may be stale (`services/caller-cache.ts` keeps resolved callers while the account
 * stores' count stays the same; `http/answer-cache.ts` keeps answers while the count of every
 * store's writes stays the same). `countingWrites` wraps a store so that each of the named
 * methods bumps its counters once it has finished (committed or failed): a read that began
 * before then is never taken for current.
 */
export class WriteCounter {
  count = 0;
}

export function countingWrites<T extends object>(store: T, writes: ReadonlyArray<keyof T>, ...counters: WriteCounter[]): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !writes.includes(property as keyof T)) return value;
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
