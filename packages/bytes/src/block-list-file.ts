/**
 * The block list (block-sha256.ts) of a file, computed on a worker thread so that hashing a
 * multi-gigabyte image takes another core than the one that talks to the server. The worker
 * reads the file in 1 MiB pieces into one buffer (constant memory) and hashes each block and
 * the whole file in the same pass, as blockListOf() does on a stream; it is a few lines of
 * plain JavaScript given inline (`eval`), like background-sha256.ts, so that it runs from the
 * sources, from dist/ and from the client's bundled file. One worker per call: it ends with it.
 */
import { Worker } from 'node:worker_threads';
import { BLOCK_LIST_BYTES, type BlockList } from './block-sha256.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const { path, blockSize } = workerData;
const piece = Buffer.allocUnsafe(Math.min(1024 * 1024, blockSize));
const whole = createHash('sha256');
const blocks = [];
let block = createHash('sha256');
let inBlock = 0;
let size = 0;
const fd = openSync(path, 'r');
try {
  for (;;) {
    const read = readSync(fd, piece, 0, Math.min(piece.length, blockSize - inBlock), size);
    if (read === 0) break;
    const bytes = piece.subarray(0, read);
    whole.update(bytes);
    block.update(bytes);
    size += read;
    inBlock += read;
    if (inBlock === blockSize) {
      blocks.push(block.digest('hex'));
      block = createHash('sha256');
      inBlock = 0;
    }
  }
} finally {
  closeSync(fd);
}
if (inBlock > 0) blocks.push(block.digest('hex'));
parentPort.postMessage({ blockSize, size, sha256: whole.digest('hex'), blocks });
`;

/** Lists the blocks of the file at `path` on a worker thread. */
export function blockListOfFile(path: string, blockSize = BLOCK_LIST_BYTES): Promise<BlockList> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { path, blockSize } });
    worker.once('message', (list: BlockList) => resolve(list));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the block-hashing thread stopped (exit code ${code})`)));
  });
}
