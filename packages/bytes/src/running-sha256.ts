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
 * one's end), and takes writes while it copies: a write waits (ready()) until the copy has
 * passed its blocks. Asked to (`pace`), the copy keeps pace with the writes: a client sends
 * its changed blocks in order as it finds them, so the blocks before the one a write waits for
 * are final, and the copy hashes them from its own buffer as it writes them, where reading them
 * back would move the image through the disk a third time (on ext4 the disk is what limits a
 * re-save here). It goes on by itself after a second without a write, so that a client that
 * finds no change for a long stretch does not leave the whole copy to the commit. It reads (and
 * copies) in whole blocks around the page cache (O_DIRECT) where the file system allows it, the
 * next block read while this one is hashed or written: here several times faster than the kernel's
 * own copy or a buffered read (docs/performance.md); bytes read so come from memory, not from
 * a core's cache, and are hashed through a small buffer that is (hashCold). The worker is a
 * few lines of plain JavaScript given inline, as in background-sha256.ts. One thread per
 * running hash: it ends with finish() or stop(), or after `idleMs` without a write.
 */
import { Worker } from 'node:worker_threads';
import { alignedSharedBuffers } from './aligned-memory.js';
import { BLOCK_LIST_BYTES } from './block-sha256.js';
import { BLOCK_BYTES as DIRECT_ALIGNMENT } from './direct-file.js';
import { WORKER_FUNCTIONS_SOURCE } from './worker-functions-source.js';

/** A copy that no write pulled on for this long goes on by itself (see the header). */
const PACE_IDLE_MS = 1000;
/** A running hash nobody wrote to or finished for this long stops (its file's owner hashes at the end instead). */
const DEFAULT_IDLE_MS = 15 * 60 * 1000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { path, copyFrom, length, blockSize, direct, generations, buffers, alignment, pace, paceIdleMs } = workerData;
const { O_RDONLY, O_RDWR } = fs.constants;
const writes = new Int32Array(generations);
const slots = buffers.map(({ memory, offset }) => Buffer.from(memory, offset, blockSize));
const blocks = Math.ceil(length / blockSize);
const lengthOf = (k) => Math.min(blockSize, length - k * blockSize);
const alignUp = (n) => Math.ceil(n / alignment) * alignment;
${WORKER_FUNCTIONS_SOURCE}// Reads up to want bytes at position; a short read ends the file (a direct read may not go on unaligned).
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
let frontier = 0;
// Blocks copied so far (all when there is no copy): the hash, and the writes, stay below.
let copied = copyFrom ? 0 : blocks;
let copyDone = !copyFrom;
let finishing = false;
// What waiting writes need copied (up to their last block), and what lies before the first of
// them: blocks the client has hashed and found unchanged, as it sends its blocks in order.
let wanted = 0;
let passed = 0;
let news = Date.now();
let wakes = [];
const poke = () => {
  const woken = wakes;
  wakes = [];
  for (const wake of woken) wake();
};
const changed = () => new Promise((resolve) => wakes.push(resolve));
parentPort.on('message', (m) => {
  news = Date.now();
  if (m.op === 'wrote') {
    const first = Math.min(m.first, blocks);
    if (first < position) {
      hash = starts[first].copy();
      position = first;
      rewinds += 1;
    }
    frontier = Math.max(frontier, Math.min(blocks, m.last + 1));
  } else if (m.op === 'want') {
    wanted = Math.max(wanted, Math.min(blocks, m.last + 1));
    passed = Math.max(passed, Math.min(blocks, m.first));
  } else if (m.op === 'finish') finishing = true;
  poke();
});

// Copies the source into the file (already cut to its length) block by block, the next block
// read while this one is written; tells each block copied (writes to it may start). Asked to,
// it keeps pace with the writes (see the header): it copies what a write waits for, what lies
// before the last block written, everything once finishing, and goes on by itself when no
// write came for PACE_IDLE_MS (a client that finds no change for a while). A block before the
// first waiting write, copied when the hash stands at it, is hashed from the copy's own buffer.
async function copy(file) {
  const source = openFile(copyFrom, O_RDONLY, direct);
  try {
    const sourceSize = fs.fstatSync(source).size;
    // A block's bytes in slot n, zeros past the source's end; how many of them are the source's.
    const fetchBase = async (k, n) => {
      const buffer = slots[n];
      const count = lengthOf(k);
      const available = Math.max(0, Math.min(count, sourceSize - k * blockSize));
      if (available === 0) return 0;
      const read = await readAt(source, buffer, alignUp(available), k * blockSize);
      if (read < count) buffer.fill(0, read, alignUp(count));
      return available;
    };
    const due = (k) => !pace || finishing || k < Math.max(frontier, wanted) || Date.now() - news >= paceIdleMs;
    let next;
    for (let k = 0; k < blocks; k += 1) {
      while (!due(k)) await Promise.race([changed(), new Promise((resolve) => setTimeout(resolve, paceIdleMs))]);
      next ??= fetchBase(k, 2 + (k % 2));
      const available = await next;
      next = k + 1 < blocks && due(k + 1) ? fetchBase(k + 1, 2 + ((k + 1) % 2)) : undefined;
      const buffer = slots[2 + (k % 2)];
      // Past the source's end the file already holds zeros (it was cut to its length).
      const wrote = available > 0 ? writeAt(file, buffer, alignUp(lengthOf(k)), k * blockSize) : undefined;
      // Hashed while it is written, if the hash stands here and no write will change it.
      if (available > 0 && position === k && k < (finishing ? blocks : Math.max(frontier, passed)) && Atomics.load(writes, k) === 0) {
        starts[k] = hash.copy();
        hashCold(hash, buffer.subarray(0, lengthOf(k)));
        position = k + 1;
      }
      await wrote;
      copied = k + 1;
      parentPort.postMessage({ copiedBlocks: copied });
      poke();
    }
  } finally {
    fs.closeSync(source);
  }
  // The last block was written whole (a direct write is): cut what lies past the length.
  fs.ftruncateSync(file, length);
  fs.fdatasyncSync(file);
  copyDone = true;
  parentPort.postMessage({ copied: true });
  poke();
}

// Hashes the file in order up to the last block written and copied; to the end once finishing.
async function hashAll(file) {
  // A block of the file, read into one of the two hashing slots.
  const fetch = async (k) => {
    const buffer = slots[k % 2];
    const count = lengthOf(k);
    const read = await readAt(file, buffer, alignUp(count), k * blockSize);
    if (read < count) throw new Error('the file is shorter than its length: ' + (k * blockSize + read) + ' bytes, not ' + length);
    return { k, buffer, count };
  };
  const limit = () => Math.min(copied, finishing ? blocks : frontier);
  let ahead;
  try {
    for (;;) {
      if (position >= limit()) {
        // The result only once the copy, if any, is durable: the caller publishes the file.
        if (finishing && position === blocks && copyDone) {
          parentPort.postMessage({ size: length, sha256: hash.digest('hex'), rewinds });
          return;
        }
        await changed();
        continue;
      }
      const k = position;
      const written = Atomics.load(writes, k);
      // Being written: wait for its end.
      if (written % 2 === 1) {
        await changed();
        continue;
      }
      let block = ahead === undefined ? undefined : await ahead.read;
      if (block === undefined || ahead.k !== k || ahead.written !== written || ahead.rewinds !== rewinds) block = await fetch(k);
      ahead = undefined;
      // A write began meanwhile (the bytes may be torn), or a rewind came: read again.
      if (Atomics.load(writes, k) !== written || position !== k) continue;
      const next = k + 1;
      if (next < limit() && Atomics.load(writes, next) % 2 === 0) {
        ahead = { k: next, written: Atomics.load(writes, next), rewinds, read: fetch(next) };
      }
      position = next;
      starts[k] = hash.copy();
      hashCold(hash, block.buffer.subarray(0, block.count));
    }
  } finally {
    if (ahead !== undefined) await ahead.read.catch(() => {});
  }
}

async function run() {
  const file = openFile(path, copyFrom ? O_RDWR : O_RDONLY, direct);
  try {
    // Its length at once: the blocks past the source's end are zeros, the others are copied over.
    if (copyFrom) fs.ftruncateSync(file, length);
    await Promise.all([copyFrom ? copy(file) : undefined, hashAll(file)]);
  } finally {
    fs.closeSync(file);
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
   * Make `path` first (it exists, empty, and nothing else writes to it but through ready() and
   * writing()) as a copy of this file's first `length` bytes (zeros past its end); `copied`
   * resolves once it is durable.
   */
  readonly copyFrom?: string;
  /**
   * The copy keeps pace with the writes (see the header) rather than running at once: for a
   * file that writes will change while it is copied.
   */
  readonly pace?: boolean;
  /** Read (and copy) around the page cache where the file system allows it. */
  readonly direct?: boolean;
  /** Stop after this long without a write or finish(), once copied (default 15 min). */
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
  readonly #blocks: number;
  readonly #result: Promise<RunningSha256Result>;
  readonly #idleMs: number;
  /** Blocks the copy has written (writes to them may start), and who waits for more. */
  #copiedBlocks: number;
  #waiting: { readonly last: number; resolve(): void; reject(error: Error): void }[] = [];
  #failure: Error | undefined;
  #copying: boolean;
  #finishing = false;
  #idle: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(options: RunningSha256Options) {
    const blockSize = options.blockSize ?? BLOCK_LIST_BYTES;
    if (blockSize % DIRECT_ALIGNMENT !== 0) throw new RangeError(`the block size must be a multiple of ${DIRECT_ALIGNMENT}, not ${blockSize}`);
    this.#blockSize = blockSize;
    this.#idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    const blocks = Math.ceil(options.length / blockSize);
    this.#blocks = blocks;
    this.#copiedBlocks = options.copyFrom === undefined ? blocks : 0;
    this.#copying = options.copyFrom !== undefined;
    const generations = new SharedArrayBuffer(4 * Math.max(1, blocks));
    this.#writes = new Int32Array(generations);
    // Page-aligned blocks (direct reads and writes need them): one hashed while the next is
    // read; and for a copy, one written while the next is read.
    const allocate = alignedSharedBuffers();
    const buffers = Array.from({ length: options.copyFrom === undefined ? 2 : 4 }, () => allocate(blockSize)).map((buffer) => ({ memory: buffer.buffer, offset: buffer.byteOffset }));
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: {
        path: options.path, copyFrom: options.copyFrom, length: options.length, blockSize, direct: options.direct === true, generations, buffers,
        alignment: DIRECT_ALIGNMENT, pace: options.pace === true, paceIdleMs: PACE_IDLE_MS,
      },
    });
    let copied!: { resolve(): void; reject(error: Error): void };
    this.copied = new Promise((resolve, reject) => (copied = { resolve, reject }));
    if (options.copyFrom === undefined) copied.resolve();
    this.#result = new Promise<RunningSha256Result>((resolve, reject) => {
      const fail = (error: Error): void => {
        this.#end(error);
        copied.reject(error);
        reject(error);
      };
      this.#worker.on('message', (m: { copiedBlocks?: number; copied?: true; sha256?: string; size?: number; rewinds?: number; error?: string; code?: string }) => {
        if (m.copiedBlocks !== undefined) this.#copiedUpTo(m.copiedBlocks);
        else if (m.copied === true) {
          this.#copiedUpTo(blocks);
          this.#copying = false;
          this.#touch();
          copied.resolve();
        } else if (m.sha256 !== undefined) {
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
      // Unless finish() was called during the copy: it holds it open until it answers.
      void this.copied.then(() => this.#finishing || this.#worker.unref(), () => {});
    }
    // Nobody may ask for the result (an upload cancelled or abandoned).
    this.#result.catch(() => {});
    this.copied.catch(() => {});
    this.#touch();
  }

  /**
   * Resolves once the blocks from `offset` on (at most `maxBytes`) are copied, so that a write
   * there is not overwritten by the copy; at once when there is no copy or it is made. Rejects
   * with the copy's failure (a full disk, the source gone) or when stopped.
   */
  ready(offset: number, maxBytes: number): Promise<void> {
    const last = this.#lastBlock(offset, maxBytes);
    if (this.#copiedBlocks > last) return Promise.resolve();
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    // The copy keeps pace with the writes: this one pulls it on.
    if (!this.#ended) this.#worker.postMessage({ op: 'want', first: Math.floor(offset / this.#blockSize), last });
    return new Promise((resolve, reject) => this.#waiting.push({ last, resolve, reject }));
  }

  /**
   * Marks the blocks from `offset` on (at most `maxBytes`) as being written, before the write
   * starts (after ready()); call the returned function with the bytes written once it has
   * ended, however it ended (a cut write too: what it wrote is hashed again).
   */
  writing(offset: number, maxBytes: number): (written: number) => void {
    const first = Math.floor(offset / this.#blockSize);
    const last = this.#lastBlock(offset, maxBytes);
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

  /** The file's size and sha256, once the rest is copied and hashed; no write may run any more. */
  finish(): Promise<RunningSha256Result> {
    // Held open until it answers (or, stopped, until it has ended).
    this.#finishing = true;
    this.#worker.ref();
    if (!this.#ended) this.#worker.postMessage({ op: 'finish' });
    return this.#result;
  }

  /** Stops the thread, which closes its files (finish() and ready() then reject); idempotent. */
  stop(): void {
    if (this.#ended) return;
    this.#end(new Error('the running hash was stopped'));
    void this.#worker.terminate();
  }

  /** The last block of a range (-1 in a file of no block). */
  #lastBlock(offset: number, maxBytes: number): number {
    return Math.min(this.#blocks - 1, Math.floor((offset + Math.max(1, maxBytes) - 1) / this.#blockSize));
  }

  #copiedUpTo(blocks: number): void {
    this.#copiedBlocks = blocks;
    const waiting = this.#waiting;
    this.#waiting = waiting.filter((waiter) => waiter.last >= blocks);
    for (const waiter of waiting) if (waiter.last < blocks) waiter.resolve();
  }

  #end(failure?: Error): void {
    this.#ended = true;
    clearTimeout(this.#idle);
    this.#failure ??= failure;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#failure ?? new Error('the running hash has ended'));
  }

  /** Idle only once copied: a long copy is no abandoned upload. */
  #touch(): void {
    if (this.#ended || this.#copying) return;
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.stop(), this.#idleMs);
    this.#idle.unref();
  }
}
