/**
 * A SHA-256 computed on a worker thread, so that hashing (~0.5 s per GB here, SHA-NI) runs on
 * another core than the one receiving, decrypting and writing the bytes. Bytes reach it
 * without a copy, as views of SharedArrayBuffers; it can also hash a file (or its first
 * bytes) itself, reading it independently of the transfer. Updates are applied in the order
 * they are sent. The worker is a few lines of plain JavaScript given inline (`eval`), so the
 * same code runs from the built package and from TypeScript sources; it holds the process
 * open only while it has work.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
let hash = createHash('sha256');
const block = Buffer.allocUnsafe(4 * 1024 * 1024);
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      hash.update(new Uint8Array(m.buffer, m.offset, m.length));
      parentPort.postMessage({ id: m.id });
    } else if (m.op === 'file') {
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
      parentPort.postMessage({ id: m.id, value: hash.digest('hex') });
      hash = createHash('sha256');
    } else if (m.op === 'reset') {
      hash = createHash('sha256');
      parentPort.postMessage({ id: m.id });
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

export class BackgroundSha256 {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #failure: Error | undefined;
  /** Set by close(): from then on the thread stays ref'd until it has stopped. */
  #closing = false;

  constructor() {
    // No inherited flags: the parent's may be V8 options or --input-type=module, wrong for this script.
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      if (reply.progress !== undefined) return pending.onProgress?.(reply.progress);
      this.#settle(reply.id);
      if (reply.error !== undefined) pending.reject(new Error(reply.error));
      else pending.resolve(reply.value);
    });
    const fail = (error: Error): void => {
      this.#failure ??= error;
      for (const [id, pending] of this.#pending) {
        this.#settle(id);
        pending.reject(error);
      }
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', () => fail(new Error('the hashing thread stopped')));
  }

  #settle(id: number): void {
    this.#pending.delete(id);
    // Not once closing: a reply still on its way (to an update a failed write left behind) would
    // undo close()'s ref, and the process would end (code 13) before the thread reports its exit.
    if (this.#pending.size === 0 && !this.#closing) this.#worker.unref();
  }

  #call<T>(message: Record<string, unknown>, onProgress?: (bytes: number) => void): Promise<T> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, onProgress });
      this.#worker.ref();
      this.#worker.postMessage({ ...message, id });
    });
  }

  /** Hashes `length` bytes of `buffer` from `offset`; do not change them until this resolves. */
  update(buffer: SharedArrayBuffer, offset: number, length: number): Promise<void> {
    return this.#call({ op: 'update', buffer, offset, length });
  }

  /** Hashes the file's first `length` bytes (all when null); answers how many there were. */
  updateFromFile(path: string, length: number | null, onProgress?: (bytes: number) => void): Promise<number> {
    return this.#call({ op: 'file', path, length }, onProgress);
  }

  /** The digest (lowercase hex) of everything hashed since the start or the last reset; then starts over. */
  digest(): Promise<string> {
    return this.#call({ op: 'digest' });
  }

  reset(): Promise<void> {
    return this.#call({ op: 'reset' });
  }

  /** Stops the thread; pending calls reject. */
  async close(): Promise<void> {
    // An idle worker is unref'd: the process could then exit (code 13, no word) while its
    // termination is awaited. Held until it has stopped, whatever replies arrive meanwhile.
    this.#closing = true;
    this.#worker.ref();
    await this.#worker.terminate();
  }
}
