/**
 * The block list (block-sha256.ts) of a file, computed on two worker threads at once so that
 * hashing a multi-gigabyte image takes neither the core that talks to the server nor twice the
 * time of one sha256 pass: the "blocks" thread reads the file once, in pieces of at most 1 MiB
 * that never cross a block boundary, into a ring of shared buffers (constant memory: 8 MiB),
 * hashes each block and reports it as soon as it is complete (`onBlock`, so a caller can send a
 * changed block while the rest is still read); the "whole" thread hashes the same pieces, in
 * order, into the file's sha256. They hand the ring over with Atomics (no message per piece). The
 * workers are a few lines of plain JavaScript given inline (`eval`), like background-sha256.ts,
 * so that they run from the sources, from dist/ and from the client's bundled file. Two workers
 * per call: they end with it.
 */
import { Worker } from 'node:worker_threads';
import { alignedSharedBuffers } from './aligned-memory.js';
import { OPEN_FILE_SOURCE } from './open-file-source.js';
import { BLOCK_LIST_BYTES, type BlockList } from './block-sha256.js';

/** Pieces in the ring, and the largest piece. */
const SLOTS = 8;
const PIECE_BYTES = 1024 * 1024;

/*
 * The shared control words: PRODUCED (pieces read), CONSUMED (pieces the whole thread hashed),
 * SEQ (bumped at every change by the blocks thread: the whole thread sleeps on it), DONE (the
 * blocks thread read the last piece), then each slot's length.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync, closeSync, constants } = require('node:fs');
const { role, path, blockSize, hashBlocks, ring, ringOffset, control, slots, piece, direct } = workerData;
const words = new Int32Array(control);
const PRODUCED = 0, CONSUMED = 1, SEQ = 2, DONE = 3, LENGTHS = 4;
const slotOf = (n) => Buffer.from(ring, ringOffset + (n % slots) * piece, piece);
${OPEN_FILE_SOURCE}const publish = () => { Atomics.add(words, SEQ, 1); Atomics.notify(words, SEQ); };
if (role === 'blocks') {
  let block = createHash('sha256');
  let inBlock = 0;
  let size = 0;
  let produced = 0;
  const fd = openFile(path, constants.O_RDONLY, direct);
  try {
    for (let last = false; !last; ) {
      // Wait for the whole thread to free a slot.
      for (let consumed; produced - (consumed = Atomics.load(words, CONSUMED)) >= slots; ) Atomics.wait(words, CONSUMED, consumed);
      const buffer = slotOf(produced);
      const want = Math.min(piece, blockSize - inBlock);
      const read = readSync(fd, buffer, 0, want, size);
      if (read === 0) break;
      // A direct read must not go on from an unaligned offset: its short read is the end of the file.
      last = direct && read < want;
      words[LENGTHS + (produced % slots)] = read;
      Atomics.store(words, PRODUCED, ++produced);
      publish();
      if (hashBlocks) block.update(buffer.subarray(0, read));
      size += read;
      inBlock += read;
      if (hashBlocks && inBlock === blockSize) {
        parentPort.postMessage({ block: block.digest('hex') });
        block = createHash('sha256');
        inBlock = 0;
      }
    }
  } finally {
    closeSync(fd);
    Atomics.store(words, DONE, 1);
    publish();
  }
  if (hashBlocks && inBlock > 0) parentPort.postMessage({ block: block.digest('hex') });
  parentPort.postMessage({ size });
} else {
  const whole = createHash('sha256');
  let consumed = 0;
  for (;;) {
    const seq = Atomics.load(words, SEQ);
    if (consumed < Atomics.load(words, PRODUCED)) {
      whole.update(slotOf(consumed).subarray(0, words[LENGTHS + (consumed % slots)]));
      Atomics.store(words, CONSUMED, ++consumed);
      Atomics.notify(words, CONSUMED);
    } else if (Atomics.load(words, DONE) === 1) {
      break;
    } else {
      Atomics.wait(words, SEQ, seq);
    }
  }
  parentPort.postMessage({ sha256: whole.digest('hex') });
}
`;

export interface BlockListOptions {
  /** Told each block's sha256 as soon as it is hashed, in order (index 0, 1, …). */
  readonly onBlock?: (index: number, sha256: string) => void;
}

/** Lists the blocks of the file at `path` on two worker threads (see the header). */
export function blockListOfFile(path: string, blockSize = BLOCK_LIST_BYTES, options: BlockListOptions = {}): Promise<BlockList> {
  return hashFile(path, blockSize, true, options);
}

/**
 * The size and sha256 of the file at `path`, read on one thread and hashed on another (the
 * read of a piece overlaps the hashing of the one before): a server's check of a stored file.
 */
export async function sha256OfFile(path: string, options: Sha256OfFileOptions = {}): Promise<{ size: number; sha256: string }> {
  const { size, sha256 } = await hashFile(path, Number.MAX_SAFE_INTEGER, false, {}, options.direct === true);
  return { size, sha256 };
}

export interface Sha256OfFileOptions {
  /**
   * Read around the page cache (O_DIRECT, where the file system has it): a file that is not in
   * the cache is read several times faster in whole pieces than through the kernel's small
   * read-ahead (docs/performance.md). Only for a file with no unwritten (dirty) pages, which
   * the kernel would first have to write.
   */
  readonly direct?: boolean;
}

function hashFile(path: string, blockSize: number, hashBlocks: boolean, options: BlockListOptions, direct = false): Promise<BlockList> {
  const piece = Math.min(PIECE_BYTES, blockSize);
  // Page-aligned (aligned-memory.ts): a direct read into it is allowed.
  const ring = alignedSharedBuffers()(SLOTS * piece);
  const workerData = { path, blockSize, hashBlocks, ring: ring.buffer, ringOffset: ring.byteOffset, control: new SharedArrayBuffer(4 * (4 + SLOTS)), slots: SLOTS, piece, direct };
  // No inherited flags: the parent's may be V8 options or --input-type=module, wrong for this script.
  const start = (role: string): Worker => new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { ...workerData, role } });
  const blocksThread = start('blocks');
  const wholeThread = start('whole');
  return new Promise<BlockList>((resolve, reject) => {
    const blocks: string[] = [];
    let size: number | undefined;
    let sha256: string | undefined;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      if (error === undefined && (size === undefined || sha256 === undefined)) return;
      settled = true;
      // A thread that failed leaves the other waiting on the ring: stop both.
      void blocksThread.terminate();
      void wholeThread.terminate();
      if (error !== undefined) reject(error);
      else resolve({ blockSize, size: size!, sha256: sha256!, blocks });
    };
    blocksThread.on('message', (m: { block?: string; size?: number }) => {
      if (m.block !== undefined) {
        blocks.push(m.block);
        try {
          options.onBlock?.(blocks.length - 1, m.block);
        } catch (error) {
          finish(error as Error);
        }
      } else {
        size = m.size;
        finish();
      }
    });
    wholeThread.once('message', (m: { sha256: string }) => {
      sha256 = m.sha256;
      finish();
    });
    for (const thread of [blocksThread, wholeThread]) {
      thread.once('error', finish);
      thread.once('exit', (code) => {
        // A thread that ends having answered is done; one that ends without an answer failed.
        if ((thread === blocksThread ? size : sha256) === undefined) finish(new Error(`the block-hashing thread stopped (exit code ${code})`));
      });
    }
  });
}
