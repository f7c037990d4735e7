/**
 * The answers the fast path (`fast-answers.ts`) may give again: a 200's status line headers
 * and body, by a key naming everything the answer depends on (the caller's identity, method,
 * Host, URL). An answer is good while no write has been made through this server's stores
 * since the request that made it began (the version it was stored with is the count of every
 * store's writes then, `metadata/write-counter.ts`) and for at most `ttlMs` (writes made
 * through another server instance or `repoman-server admin` show within that time). Memory is
 * bounded: the least recently used answers go first once `maxBytes` is reached, and an answer
 * larger than `maxEntryBytes` is never kept.
 */
import type { OutgoingHttpHeaders } from 'node:http';

export interface CachedAnswer {
  /** The headers the full path sent with its 200 (not Date, Connection, Keep-Alive: node adds those). */
  readonly headers: OutgoingHttpHeaders;
  /** The body (empty for HEAD). */
  readonly body: Buffer;
  /** The route pattern, for metrics (`/api/images/:owner/:image`). */
  readonly route: string;
  /** The validators of the answer, for If-None-Match / If-Modified-Since. */
  readonly etag: string | null;
  readonly lastModified: Date | null;
}

interface Entry {
  readonly answer: CachedAnswer;
  readonly version: number;
  readonly until: number;
  readonly bytes: number;
}

/** What an entry costs besides its body: its key, headers and bookkeeping, roughly. */
const ENTRY_OVERHEAD = 512;

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    /** The count of every store's writes (`MetadataStores.writes`). */
    private readonly version: () => number,
    private readonly ttlMs: number,
    private readonly maxBytes: number,
    private readonly maxEntryBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many bytes the kept answers take (roughly: bodies, keys, headers). */
  get size(): number {
    return this.bytes;
  }

  /** The write count now: what an answer computed from here on is stored with. */
  currentVersion(): number {
    return this.version();
  }

  /** The answer kept for `key`, if still good. */
  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    // One no longer good stays until replaced or evicted: `knows` still tells its key is cacheable.
    if (entry === undefined || entry.version !== this.version() || this.now() >= entry.until) return undefined;
    // Most recently used last: Map iteration order is what eviction follows.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.answer;
  }

  /** Whether an answer was kept for `key`, good or not any more: its route is cacheable (the fast path waits for one computation of it at a time). */
  knows(key: string): boolean {
    return this.entries.has(key);
  }

  /** Keeps `answer`, computed by a request that began when the write count was `version`. */
  put(key: string, answer: CachedAnswer, version: number): void {
    const bytes = answer.body.length + key.length * 2 + ENTRY_OVERHEAD;
    const old = this.entries.get(key);
    if (old !== undefined) this.drop(key, old);
    // A write finished while the answer was being computed: it may not show it.
    if (bytes > this.maxEntryBytes || version !== this.version()) return;
    this.entries.set(key, { answer, version, until: this.now() + this.ttlMs, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest, entry);
    }
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
