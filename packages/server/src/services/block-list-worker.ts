/**
 * Computes, in the background, the block list (per-block sha256, `@repoman/bytes` blockListOf)
 * of every kept version's blob, for delta re-saves (SPEC §3 "Blocks"): never on the upload
 * path, which must stay as fast as it is. Each blob is read once as a stream (constant memory)
 * and its list stored; blobs never change, so it is never computed again. The worker
 * (`blob-worker.ts`) looks when woken (a client asked for blocks not listed yet) and every
 * `intervalMs` (new uploads, here or on another instance).
 */
import { blockListOf } from '@repoman/bytes';
import type { BlobBlockStore } from '../metadata/blob-block-store.js';
import type { BlobStore } from '../storage/index.js';
import { createBlobWorker, type BlobWorker, type BlobWorkerOptions } from './blob-worker.js';

export function createBlockListWorker(store: BlobBlockStore, blobs: BlobStore, options: BlobWorkerOptions = {}): BlobWorker {
  return createBlobWorker(
    {
      what: 'the block list',
      awaiting: (limit) => store.awaiting(limit),
      compute: async (key) => store.record(key, await blockListOf(await blobs.read(key))),
    },
    options,
  );
}
