// SHA-256 of uploads on a worker thread. Hashing costs ~0.5 s of CPU per GB (SHA-NI); on the
// main thread it added to TLS decryption, HTTP parsing and the copy into batches, and a single
// upload could go no faster than that one thread. One worker serves every upload of the
// process, each as a session with its own hash; batches reach it without a copy, as views of
// SharedArrayBuffers, and are hashed in the order they were sent. The worker is plain
// JavaScript given inline (`eval`), so the same code runs from dist/ and from the TypeScript
// sources under test, and it holds the process open only while it has work.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      let hash = sessions.get(m.session);
      if (hash === undefined) sessions.set(m.session, (hash = createHash('sha256')));
      hash.update(new Uint8Array(m.buffer, m.offset, m.length));
      parentPort.postMessage({ id: m.id });
    } else if (m.op === 'digest') {
      const hash = sessions.get(m.session) ?? createHash('sha256');
      sessions.delete(m.session);
      parentPort.postMessage({ id: m.id, value: hash.digest('hex') });
    } else if (m.op === 'drop') {
      sessions.delete(m.session);
    }
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String((error && error.message) || error) });
  }
});
`;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One upload's hash on the worker. */
export interface HashSession {
  /** Hashes `length` bytes of `buffer` from `offset`; do not change them until this resolves. */
  update(buffer: SharedArrayBuffer, offset: number, length: number): Promise<void>;
  /** The digest (lowercase hex) of everything sent; ends the session. */
  digest(): Promise<string>;
  /** Ends the session without a digest (a failed upload). */
  drop(): void;
}

export class BackgroundHashing {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #nextSession = 0;

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    // No inherited flags: the parent's may be V8 options or --input-type=module, wrong for this script.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    worker.unref();
    worker.on('message', (reply: { id: number; value?: unknown; error?: string }) => {
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      this.#settle(reply.id);
      if (reply.error !== undefined) pending.reject(new Error(`hashing failed: ${reply.error}`));
      else pending.resolve(reply.value);
    });
    const fail = (error: Error): void => {
      if (this.#worker === worker) this.#worker = undefined; // the next upload starts a new one
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
    if (this.#pending.size === 0) this.#worker?.unref();
  }

  #call<T>(message: Record<string, unknown>): Promise<T> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ ...message, id });
    });
  }

  session(): HashSession {
    const session = this.#nextSession++;
    return {
      update: (buffer, offset, length) => this.#call({ op: 'update', session, buffer, offset, length }),
      digest: () => this.#call({ op: 'digest', session }),
      drop: () => this.#worker?.postMessage({ op: 'drop', session, id: -1 }),
    };
  }

  /** Stops the worker (tests, shutdown); a later session starts another. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }
}
