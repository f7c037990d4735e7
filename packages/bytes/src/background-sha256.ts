/**
 * SHA-256 computed on a worker thread, so that hashing (its cost: docs/performance.md) runs on
 * another core than the one receiving, decrypting and writing the bytes: the server hashes
 * every upload on it, the client every download and every file it uploads. One worker serves
 * many sessions (the server's concurrent uploads), each with its own hash, updated in the
 * order sent. Bytes reach it without a copy, as views of SharedArrayBuffers; it can also hash
 * a file (or its first bytes) itself, reading it independently of the transfer. The worker is
 * a few lines of plain JavaScript given inline (`eval`), so the same code runs from the
 * TypeScript sources, from dist/ and from the client's bundled file; it is started on first
 * use and holds the process open only while it has work. A worker that dies fails the calls in
 * flight and every later call of the sessions it held; a new session starts a new worker.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const sessions = new Map();
let block;
const hashOf = (session) => {
  let hash = sessions.get(session);
  if (hash === undefined) sessions.set(session, (hash = createHash('sha256')));
  return hash;
};
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      hashOf(m.session).update(new Uint8Array(m.buffer, m.offset, m.length));
      parentPort.postMessage({ id: m.id });
    } else if (m.op === 'file') {
      const hash = hashOf(m.session);
      block ??= Buffer.allocUnsafe(4 * 1024 * 1024);
      const fd = openSync(m.path, 'r');
      let done = 0;
      let reported = 0;
      try {
        for (;;) {
          const want = m.length === null ? block.length : Math.min(block.length, m.length - done);
          if (want <= 0) break;
          const read = readSync(fd, block, 0, want, done);
          if (read === 0) break;
          hash.update(block.subarray(0, read));
          done += read;
          if (done - reported >= 64 * 1024 * 1024) {
            reported = done;
            parentPort.postMessage({ id: m.id, progress: done });
          }
        }
      } finally {
        closeSync(fd);
      }
      parentPort.postMessage({ id: m.id, value: done });
    } else if (m.op === 'digest') {
      const value = hashOf(m.session).digest('hex');
      sessions.delete(m.session);
      parentPort.postMessage({ id: m.id, value });
    } else if (m.op === 'drop') {
      sessions.delete(m.session);
      if (m.id >= 0) parentPort.postMessage({ id: m.id });
    }
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String((error && error.message) || error) });
  }
});
`;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: ((bytes: number) => void) | undefined;
}

interface Reply {
  id: number;
  value?: unknown;
  progress?: number;
  error?: string;
}

/** One hash on the worker. */
export interface HashSession {
  /** Hashes `length` bytes of `buffer` from `offset`; do not change them until this resolves. */
  update(buffer: SharedArrayBuffer, offset: number, length: number): Promise<void>;
  /** Hashes the file's first `length` bytes (all when null); answers how many there were. */
  updateFromFile(path: string, length: number | null, onProgress?: (bytes: number) => void): Promise<number>;
  /** The digest (lowercase hex) of everything hashed since the start or the last digest or reset; then starts over. */
  digest(): Promise<string>;
  /** Forgets what was hashed; the next update starts a new hash. */
  reset(): Promise<void>;
  /** Ends the session without a digest (a failed upload); nothing to wait for. */
  drop(): void;
}

export class BackgroundSha256 implements HashSession {
  #worker: Worker | undefined;
  /** Counts started workers: a session's hash lives in the worker of one generation. */
  #generation = 0;
  #lastFailure: Error | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #nextSession = 0;
  /** The session behind this object's own HashSession methods (a single-transfer user). */
  readonly #own: HashSession = this.session();
  /** The worker close() is stopping: it stays ref'd until it has stopped. */
  #closing: Worker | undefined;

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    // No inherited flags: the parent's may be V8 options or --input-type=module, wrong for this script.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    this.#generation += 1;
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      if (reply.progress !== undefined) return pending.onProgress?.(reply.progress);
      this.#settle(reply.id);
      if (reply.error !== undefined) pending.reject(new Error(reply.error));
      else pending.resolve(reply.value);
    });
    const fail = (error: Error): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined; // the next session starts a new one
      this.#lastFailure = error;
      for (const [id, pending] of this.#pending) {
        this.#settle(id);
        pending.reject(error);
      }
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the hashing thread stopped')));
    this.#worker = worker;
    return worker;
  }

  #settle(id: number): void {
    this.#pending.delete(id);
    // Not while closing: a reply still on its way (to an update a failed write left behind) would
    // undo close()'s ref, and the process would end (code 13) before the thread reports its exit.
    if (this.#pending.size === 0 && this.#worker !== this.#closing) this.#worker?.unref();
  }

  #call<T>(message: Record<string, unknown>, onProgress?: (bytes: number) => void): Promise<T> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, onProgress });
      worker.ref();
      worker.postMessage({ ...message, id });
    });
  }

  /** A new hash on the shared worker. */
  session(): HashSession {
    const session = this.#nextSession++;
    /** The generation of the worker holding this session's hash; undefined while it holds none. */
    let holder: number | undefined;
    const call = <T>(message: Record<string, unknown>, onProgress?: (bytes: number) => void): Promise<T> => {
      if (holder !== undefined && (this.#worker === undefined || holder !== this.#generation)) {
        return Promise.reject(this.#lastFailure ?? new Error('the hashing thread stopped'));
      }
      const result = this.#call<T>({ ...message, session }, onProgress);
      holder = message.op === 'digest' || message.op === 'drop' ? undefined : this.#generation;
      return result;
    };
    return {
      update: (buffer, offset, length) => call({ op: 'update', buffer, offset, length }),
      updateFromFile: (path, length, onProgress) => call({ op: 'file', path, length }, onProgress),
      digest: () => call({ op: 'digest' }),
      reset: () => call({ op: 'drop' }),
      drop: () => {
        holder = undefined;
        this.#worker?.postMessage({ op: 'drop', session, id: -1 });
      },
    };
  }

  update(buffer: SharedArrayBuffer, offset: number, length: number): Promise<void> {
    return this.#own.update(buffer, offset, length);
  }

  updateFromFile(path: string, length: number | null, onProgress?: (bytes: number) => void): Promise<number> {
    return this.#own.updateFromFile(path, length, onProgress);
  }

  digest(): Promise<string> {
    return this.#own.digest();
  }

  reset(): Promise<void> {
    return this.#own.reset();
  }

  drop(): void {
    this.#own.drop();
  }

  /** Stops the worker (shutdown, tests); calls in flight reject. A later session starts another. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    // An idle worker is unref'd: the process could then exit (code 13, no word) while its
    // termination is awaited. Held until it has stopped, whatever replies arrive meanwhile.
    this.#closing = worker;
    worker.ref();
    await worker.terminate();
  }
}
