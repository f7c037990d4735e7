/**
 * The block list (block-sha256.ts) of a file, computed on two worker threads at once so that
 * hashing a multi-gigabyte image takes neither the core that talks to the server nor twice the
 * time of one sha256 pass: the "blocks" thread hashes each block and reports it as soon as it
 * is complete (`onBlock`, so a caller can send a changed block while the rest is still read);
 * the "whole" thread hashes the file into its sha256. Each thread reads the file itself, in
 * pieces of at most 1 MiB that never cross a block boundary (constant memory): sha256 runs at
 * 1.64 GB/s here on bytes its own read just put in its core's cache, at 1.0–1.1 GB/s on bytes
 * another thread read, so one shared read cost more than it saved (docs/performance.md).
 * sha256OfFile, a server's check of a stored file that is seldom cached, reads the next piece
 * while it hashes this one, and so hashes bytes it did not read itself (hashCold). The workers
 * are a few lines of plain JavaScript given inline (`eval`), like background-sha256.ts, so
 * that they run from the sources, from dist/ and from the client's bundled file.
 */
import { Worker } from 'node:worker_threads';
import { alignedSharedBuffers } from './aligned-memory.js';
import { WORKER_FUNCTIONS_SOURCE } from './worker-functions-source.js';
import { BLOCK_LIST_BYTES, type BlockList } from './block-sha256.js';
import { BLOCK_BYTES as DIRECT_ALIGNMENT } from './direct-file.js';

/** The largest piece read at once. */
const PIECE_BYTES = 1024 * 1024;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { role, path, blockSize, buffers, piece, direct, readAhead } = workerData;
const slots = buffers.map(({ memory, offset }) => Buffer.from(memory, offset, piece));
${WORKER_FUNCTIONS_SOURCE}// Read ahead, the bytes were copied by another core or by none: not in this core's cache.
const hashPiece = readAhead ? hashCold : (hash, bytes) => hash.update(bytes);
async function run() {
  const fd = openFile(path, fs.constants.O_RDONLY, direct);
  const whole = createHash('sha256');
  let block = createHash('sha256');
  let inBlock = 0;
  let size = 0;
  // The piece at position: never across a block boundary, so each piece belongs to one block.
  const wantAt = (position) => Math.min(piece, blockSize - (position % blockSize));
  // Read ahead: the next piece is read (on libuv's pool) while this one is hashed.
  const read = (n, position) => readAhead ? call(fs.read, fd, slots[n % 2], 0, wantAt(position), position) : fs.readSync(fd, slots[0], 0, wantAt(position), position);
  try {
    let next = read(0, 0);
    for (let n = 0; ; n += 1) {
      const count = await next;
      if (count === 0) break;
      const want = wantAt(size);
      const bytes = slots[readAhead ? n % 2 : 0].subarray(0, count);
      size += count;
      // A direct read must not go on from an unaligned offset: its short read is the end of the file.
      const last = direct && count < want;
      if (readAhead && !last) next = read(n + 1, size);
      if (role === 'whole') hashPiece(whole, bytes);
      else {
        hashPiece(block, bytes);
        inBlock += count;
        if (inBlock === blockSize) {
          parentPort.postMessage({ block: block.digest('hex') });
          block = createHash('sha256');
          inBlock = 0;
        }
      }
      if (last) break;
      if (!readAhead) next = read(n + 1, size);
    }
  } finally {
    fs.closeSync(fd);
  }
  if (inBlock > 0) parentPort.postMessage({ block: block.digest('hex') });
  parentPort.postMessage(role === 'whole' ? { size, sha256: whole.digest('hex') } : { size });
}
run().catch((error) => parentPort.postMessage({ error: String((error && error.message) || error), code: error && error.code }));
`;

export interface BlockListOptions {
  /** Told each block's sha256 as soon as it is hashed, in order (index 0, 1, …). */
  readonly onBlock?: (index: number, sha256: string) => void;
  /** Read around the page cache (see Sha256OfFileOptions). */
  readonly direct?: boolean;
}

/** Lists the blocks of the file at `path` on two worker threads (see the header). */
export function blockListOfFile(path: string, blockSize = BLOCK_LIST_BYTES, options: BlockListOptions = {}): Promise<BlockList> {
  return hashFile(path, blockSize, true, options, options.direct === true);
}

/**
 * The size and sha256 of the file at `path`, on one worker thread that reads the next piece
 * while it hashes this one: a server's check of a stored file, which is seldom in the cache.
 */
export async function sha256OfFile(path: string, options: Sha256OfFileOptions = {}): Promise<{ size: number; sha256: string }> {
  // One block, larger than any file (and a multiple of the direct alignment).
  const { size, sha256 } = await hashFile(path, 2 ** 52, false, {}, options.direct === true);
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

function hashFile(path: string, blockSize: number, hashBlocks: boolean, options: BlockListOptions, direct: boolean): Promise<BlockList> {
  const piece = Math.min(PIECE_BYTES, blockSize);
  // Direct reads start at whole multiples of the alignment: pieces and blocks must be.
  direct &&= blockSize % DIRECT_ALIGNMENT === 0;
  // Page-aligned (aligned-memory.ts): a direct read into them is allowed.
  const allocate = alignedSharedBuffers();
  // No inherited flags: the parent's may be V8 options or --input-type=module, wrong for this script.
  const start = (role: string): Worker => {
    const buffers = [allocate(piece), allocate(piece)].map((buffer) => ({ memory: buffer.buffer, offset: buffer.byteOffset }));
    return new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { role, path, blockSize, buffers, piece, direct, readAhead: direct || !hashBlocks } });
  };
  const threads = { whole: start('whole'), ...(hashBlocks && { blocks: start('blocks') }) };
  return new Promise<BlockList>((resolve, reject) => {
    const blocks: string[] = [];
    const sizes = new Map<Worker, number>();
    let sha256: string | undefined;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      if (error === undefined && sizes.size < Object.keys(threads).length) return;
      settled = true;
      for (const thread of Object.values(threads)) void thread.terminate();
      const [size, other] = [sizes.get(threads.whole), threads.blocks && sizes.get(threads.blocks)];
      if (error !== undefined) reject(error);
      else if (other !== undefined && other !== size) reject(new Error(`${path} changed size while it was hashed (${other} and ${size} bytes)`));
      else resolve({ blockSize, size: size!, sha256: sha256!, blocks });
    };
    for (const thread of Object.values(threads)) {
      thread.on('message', (m: { block?: string; size?: number; sha256?: string; error?: string; code?: string }) => {
        if (m.error !== undefined) finish(Object.assign(new Error(m.error), { code: m.code }));
        else if (m.block !== undefined) {
          blocks.push(m.block);
          try {
            options.onBlock?.(blocks.length - 1, m.block);
          } catch (error) {
            finish(error as Error);
          }
        } else {
          sha256 ??= m.sha256;
          sizes.set(thread, m.size!);
          finish();
        }
      });
      thread.once('error', finish);
      // A thread that ends without an answer failed.
      thread.once('exit', (code) => { if (!sizes.has(thread)) finish(new Error(`the hashing thread stopped (exit code ${code})`)); });
    }
  });
}
