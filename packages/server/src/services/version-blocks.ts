/**
 * The block list of a kept version (SPEC §3 "Blocks"): the per-block sha256 that a client
 * compares with a new image's blocks to send only the changed ones. Reading it needs the right
 * to read the image. Lists are computed in the background (`block-list-worker.ts`); one not
 * computed yet answers 409 BLOCKS_NOT_READY and wakes the worker, so that a retry a few seconds
 * later finds it.
 */
import type { BlockList } from '@repoman/bytes';
import type { MetadataStores } from '../metadata/metadata-store.js';
import type { BlobWorker } from './blob-worker.js';
import type { Caller } from './caller.js';
import { imageLabel, locateImage, type ImageRef } from './image-access.js';
import { versionNotFound } from './image-versions.js';
import { RepomanError } from './repoman-error.js';

export type VersionBlockService = ReturnType<typeof createVersionBlockService>;

export function createVersionBlockService(stores: Pick<MetadataStores, 'users' | 'images' | 'blobBlocks'>, worker: Pick<BlobWorker, 'wake'>) {
  return {
    async blocks(caller: Caller, ref: ImageRef, version: number): Promise<BlockList> {
      const { image } = await locateImage(stores, caller, ref);
      const found = await stores.images.findVersion(image.id, version);
      if (found === undefined) throw versionNotFound(image, version);
      const list = await stores.blobBlocks.find(found.blobKey);
      if (list !== undefined) return list;
      worker.wake();
      throw new RepomanError('BLOCKS_NOT_READY', `the block list of version ${version} of ${imageLabel(image)} is being computed; retry in a few seconds, or upload the whole image`);
    },
  };
}
