/**
 * Computes, in the background, the sha512 of every blob an image list names (HEPiX lists carry
 * `sl:checksum:sha512`; uploads hash sha256 only, and the upload path must stay as fast as it
 * is). Each blob is read once through the blob store as a stream (constant memory) and its
 * digest stored; blobs never change, so it is never computed again. The worker
 * (`blob-worker.ts`) looks for work when woken (an image joined a list, a subscriber fetched a
 * list with images still waiting) and every `intervalMs` (a new upload of a listed image on
 * another instance).
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ImageListStore } from '../metadata/image-list-store.js';
import type { BlobStore } from '../storage/index.js';
import { createBlobWorker, type BlobWorker, type BlobWorkerOptions } from './blob-worker.js';

export type Sha512Worker = BlobWorker;
export type Sha512WorkerOptions = BlobWorkerOptions;

async function sha512OfBlob(blobs: BlobStore, key: string): Promise<string> {
  const hash = createHash('sha512');
  await pipeline(await blobs.read(key), hash);
  return hash.digest('hex');
}

export function createSha512Worker(store: Pick<ImageListStore, 'blobsAwaitingSha512' | 'recordSha512'>, blobs: BlobStore, options: Sha512WorkerOptions = {}): Sha512Worker {
  return createBlobWorker(
    {
      what: 'the sha512',
      awaiting: (limit) => store.blobsAwaitingSha512(limit),
      compute: async (key) => store.recordSha512(key, await sha512OfBlob(blobs, key)),
    },
    options,
  );
}
