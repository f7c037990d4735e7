/**
 * The sha256 of a file that is changed in place, block by block, kept up to date on a worker
 * thread while the changes arrive, so that asking for it at the end leaves little to hash: a
 * delta re-save's upload, which starts as a copy of the previous version and receives the
 * changed blocks, mostly in file order, while the client still hashes its own file.
 *
 * The thread hashes the file in fixed blocks, in order, and keeps the hash's state at the start
 * of every block (a few hundred bytes each), so a block rewritten behind it costs a re-hash
 * from that block on, not from the start. While changes may still come it hashes only up to
 * the last block written (what lies beyond may change next); finish() lets it go to the end.
 * A write marks its blocks in shared memory before it starts and when it ends (a counter per
 * block, odd while writing), so a block read during a write is read again, never hashed torn.
 *
 * Optionally the thread first makes the file, as a copy of another file (zeros past that
 * one's end). It does not hash while it copies: the changes come once the copy is made, and
 * everything after the first of them would be hashed again (on a 2-core machine the cores are
 * the client's then). It reads (and copies) in whole blocks around the page cache (O_DIRECT)
 * where the file system allows it, the next block read while this one is hashed or written:
 * here several times faster than the kernel's own copy or a buffered read
 * (docs/performance.md). The worker is a few lines of plain JavaScript given inline, as in
 * background-sha256.ts. One thread per running hash: it ends with finish() or stop(), or
 * after `idleMs` without a write.
 */
import { Worker } from 'node:worker_threads';
import { alignedSharedBuffers } from './aligned-memory.js';
import { BLOCK_LIST_BYTES } from './block-sha256.js';
import { OPEN_FILE_SOURCE } from './open-file-source.js';

/** O_DIRECT transfers are whole multiples of this (offsets, lengths) and blocks are too. */
const DIRECT_ALIGNMENT = 4096;
/** A running hash nobody wrote to or finished for this long stops (its file's owner hashes at the end instead). */
const DEFAULT_IDLE_MS = 15 * 60 * 1000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { path, copyFrom, length, blockSize, direct, generations, buffers, alignment } = workerData;
const { O_RDONLY, O_RDWR } = fs.constants;
const writes = new Int32Array(generations);
const slots = buffers.map(({ memory, offset }) => Buffer.from(memory, offset, blockSize));
const blocks = Math.ceil(length / blockSize);
const lengthOf = (k) => Math.min(blockSize, length - k * blockSize);
const alignUp = (n) => Math.ceil(n / alignment) * alignment;
${OPEN_FILE_SOURCE}const call = (fn, ...args) => new Promise((resolve, reject) => fn(...args, (error, value) => (error ? reject(error) : resolve(value))));
// Reads up to want bytes at position; a short read ends the file (a direct read may not go on unaligned).
const readAt = async (fd, buffer, want, position) => {
  let done = 0;
  while (done < want) {
    const read = await call(fs.read, fd, buffer, done, want - done, position + done);
    done += read;
    if (read === 0 || read % alignment !== 0) break;
  }
  return done;
};
const writeAt = async (fd, buffer, count, position) => {
  for (let done = 0; done < count; ) done += await call(fs.write, fd, buffer, done, count - done, position + done);
};

let hash = createHash('sha256');
const starts = new Array(blocks);
let position = 0;
let rewinds = 0;
let frontier = copyFrom ? blocks : 0;
let finishing = false;
let wake;
parentPort.on('message', (m) => {
  if (m.op === 'wrote') {
    const first = Math.min(m.first, blocks);
    if (first < position) {
      hash = starts[first].copy();
      position = first;
      rewinds += 1;
    }
    frontier = Math.max(frontier, Math.min(blocks, m.last + 1));
  } else if (m.op === 'finish') finishing = true;
  const w = wake;
  wake = undefined;
  w?.();
});
const message = () => new Promise((resolve) => (wake = resolve));

async function run() {
  const source = copyFrom ? openFile(copyFrom, O_RDONLY, direct) : undefined;
  const sourceSize = source === undefined ? 0 : fs.fstatSync(source).size;
  const file = openFile(path, copyFrom ? O_RDWR : O_RDONLY, direct);
  let copying = source !== undefined;
  // A block read: from the source while copying (zeros past its end), else from the file.
  const fetch = async (k) => {
    const buffer = slots[k % 2];
    const count = lengthOf(k);
    const from = copying ? source : file;
    const available = copying ? Math.max(0, Math.min(count, sourceSize - k * blockSize)) : count;
    const read = available === 0 ? 0 : await readAt(from, buffer, alignUp(available), k * blockSize);
    if (!copying && read < count) throw new Error('the file is shorter than its length: ' + (k * blockSize + read) + ' bytes, not ' + length);
    if (read < count) buffer.fill(0, Math.min(read, count), alignUp(count));
    return { k, buffer, count, copy: copying && available > 0 };
  };
  let ahead;
  try {
    for (;;) {
      if (copying && position === blocks) {
        fs.ftruncateSync(file, length);
        fs.fdatasyncSync(file);
        fs.closeSync(source);
        copying = false;
        position = 0;
        frontier = 0;
        parentPort.postMessage({ copied: true });
        continue;
      }
      const limit = finishing ? blocks : frontier;
      if (position >= limit) {
        if (finishing) {
          parentPort.postMessage({ size: length, sha256: hash.digest('hex'), rewinds });
          return;
        }
        await message();
        continue;
      }
      const k = position;
      const written = Atomics.load(writes, k);
      // Being written: wait for its end.
      if (written % 2 === 1) {
        await message();
        continue;
      }
      let block = ahead === undefined ? undefined : await ahead.read;
      if (block === undefined || ahead.k !== k || ahead.written !== written || ahead.rewinds !== rewinds) block = await fetch(k);
      ahead = undefined;
      // A write began meanwhile (the bytes may be torn), or a rewind came: read again.
      if (Atomics.load(writes, k) !== written || position !== k) continue;
      const next = k + 1;
      if (next < (finishing ? blocks : frontier) && Atomics.load(writes, next) % 2 === 0) {
        ahead = { k: next, written: Atomics.load(writes, next), rewinds, read: fetch(next) };
      }
      position = next;
      if (block.copy) await writeAt(file, block.buffer, alignUp(block.count), k * blockSize);
      if (copying) continue;
      starts[k] = hash.copy();
      hash.update(block.buffer.subarray(0, block.count));
    }
  } finally {
    if (ahead !== undefined) await ahead.read.catch(() => {});
    fs.closeSync(file);
    if (copying) fs.closeSync(source);
  }
}
run().then(
  () => process.exit(0),
  (error) => {
    parentPort.postMessage({ error: String((error && error.message) || error), code: error && error.code });
    process.exit(0);
  },
);
`;

export interface RunningSha256Options {
  /** The file whose sha256 is wanted. */
  readonly path: string;
  /** Its length in bytes (fixed: writes replace bytes, never add any). */
  readonly length: number;
  /** The hashing (and rewind) unit; writes are usually whole blocks. Default BLOCK_LIST_BYTES. */
  readonly blockSize?: number;
  /**
   * Make `path` first (it exists, empty, and is written by nothing else meanwhile) as a copy of
   * this file's first `length` bytes (zeros past its end); `copied` resolves once it is durable.
   */
  readonly copyFrom?: string;
  /** Read (and copy) around the page cache where the file system allows it. */
  readonly direct?: boolean;
  /** Stop after this long without a write or finish() (default 15 min). */
  readonly idleMs?: number;
}

/** What finish() gives: the file's size and sha256, and how often a write behind the hash made it go back. */
export interface RunningSha256Result {
  readonly size: number;
  readonly sha256: string;
  readonly rewinds: number;
}

export class RunningSha256 {
  /** Resolves once the copy (copyFrom) is made and durable; at once when there is none. */
  readonly copied: Promise<void>;
  readonly #worker: Worker;
  readonly #writes: Int32Array;
  readonly #blockSize: number;
  readonly #result: Promise<RunningSha256Result>;
  readonly #idleMs: number;
  #idle: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(options: RunningSha256Options) {
    const blockSize = options.blockSize ?? BLOCK_LIST_BYTES;
    if (blockSize % DIRECT_ALIGNMENT !== 0) throw new RangeError(`the block size must be a multiple of ${DIRECT_ALIGNMENT}, not ${blockSize}`);
    this.#blockSize = blockSize;
    this.#idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    const blocks = Math.ceil(options.length / blockSize);
    const generations = new SharedArrayBuffer(4 * Math.max(1, blocks));
    this.#writes = new Int32Array(generations);
    // Two page-aligned blocks (direct reads and writes need them): one hashed, the next read.
    const allocate = alignedSharedBuffers();
    const buffers = [allocate(blockSize), allocate(blockSize)].map((buffer) => ({ memory: buffer.buffer, offset: buffer.byteOffset }));
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { path: options.path, copyFrom: options.copyFrom, length: options.length, blockSize, direct: options.direct === true, generations, buffers, alignment: DIRECT_ALIGNMENT },
    });
    let copied!: { resolve(): void; reject(error: Error): void };
    this.copied = new Promise((resolve, reject) => (copied = { resolve, reject }));
    if (options.copyFrom === undefined) copied.resolve();
    this.#result = new Promise<RunningSha256Result>((resolve, reject) => {
      const fail = (error: Error): void => {
        this.#end();
        copied.reject(error);
        reject(error);
      };
      this.#worker.on('message', (m: { copied?: true; sha256?: string; size?: number; rewinds?: number; error?: string; code?: string }) => {
        if (m.copied === true) copied.resolve();
        else if (m.sha256 !== undefined) {
          this.#end();
          resolve({ size: m.size!, sha256: m.sha256, rewinds: m.rewinds! });
        } else if (m.error !== undefined) fail(Object.assign(new Error(`hashing ${options.path}: ${m.error}`), { code: m.code }));
      });
      this.#worker.once('error', fail);
      this.#worker.once('exit', () => fail(new Error(`the hash of ${options.path} was stopped`)));
    });
    // It holds the process open only while somebody waits for it: the copy, finish(). (Unref'd
    // once listened to: listening refs it again.)
    this.#worker.unref();
    if (options.copyFrom !== undefined) {
      this.#worker.ref();
      void this.copied.then(() => this.#worker.unref(), () => {});
    }
    // Nobody may ask for the result (an upload cancelled or abandoned).
    this.#result.catch(() => {});
    this.copied.catch(() => {});
    this.#touch();
  }

  /**
   * Marks the blocks from `offset` on (at most `maxBytes`) as being written, before the write
   * starts; call the returned function with the bytes written once it has ended, however it
   * ended (a cut write too: what it wrote is hashed again).
   */
  writing(offset: number, maxBytes: number): (written: number) => void {
    const first = Math.floor(offset / this.#blockSize);
    const last = Math.min(this.#writes.length - 1, Math.floor((offset + Math.max(1, maxBytes) - 1) / this.#blockSize));
    for (let k = first; k <= last; k += 1) Atomics.add(this.#writes, k, 1);
    this.#touch();
    let ended = false;
    return (written) => {
      if (ended) return;
      ended = true;
      for (let k = first; k <= last; k += 1) Atomics.add(this.#writes, k, 1);
      const wrote = Math.min(last, Math.floor((offset + Math.max(1, written) - 1) / this.#blockSize));
      if (!this.#ended) this.#worker.postMessage({ op: 'wrote', first, last: wrote });
      this.#touch();
    };
  }

  /** Tells it that the blocks at `offset` (`length` bytes) were rewritten elsewhere (another process). */
  rewritten(offset: number, length: number): void {
    this.writing(offset, length)(length);
  }

  /** The file's size and sha256, once the rest is hashed; no write may run any more. */
  finish(): Promise<RunningSha256Result> {
    // Held open until it answers (or, stopped, until it has ended).
    this.#worker.ref();
    if (!this.#ended) this.#worker.postMessage({ op: 'finish' });
    return this.#result;
  }

  /** Stops the thread, which closes its files (finish() then rejects); idempotent. */
  stop(): void {
    if (this.#ended) return;
    this.#end();
    void this.#worker.terminate();
  }

  #end(): void {
    this.#ended = true;
    clearTimeout(this.#idle);
  }

  #touch(): void {
    if (this.#ended) return;
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.stop(), this.#idleMs);
    this.#idle.unref();
  }
}
