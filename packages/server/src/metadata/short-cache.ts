/**
 * A cache of answers read from the database, each kept at most `ttlMs` and only while a
 * version number (`version()`: the sum of the WriteCounters of the stores the answer depends
 * on, `write-counter.ts`) stays what it was when the answer was read. So a write through this
 * process's stores is seen by the very next read, and one made elsewhere (another server
 * instance on the database) within `ttlMs`. A load that fails is not kept; past `maxEntries`
 * the cache starts again empty. Used for resolved callers and listing totals.
 */
interface Entry<V> {
  readonly value: Promise<V>;
  readonly version: number;
  readonly until: number;
}

export class ShortCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly version: () => number,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The kept answer for `key`, or `load()`'s (kept). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const time = this.now();
    const version = this.version();
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.version === version && time < entry.until) return entry.value;
    const value = load();
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, version, until: time + this.ttlMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}
