/**
 * The BlobBlockStore contract: the block list of each blob (per-block sha256, migration 0011),
 * computed once in the background by `services/block-list-worker.ts` and read by the blocks
 * route for delta re-saves. `sql-blob-block-store.ts` implements it.
 */
import type { BlockList } from '@repoman/bytes';

export interface BlobBlockStore {
  /** The block list of `blobKey`, or undefined when it is not computed yet. */
  find(blobKey: string): Promise<BlockList | undefined>;
  /** Records a blob's block list; a no-op when it is already known (two instances computed it). */
  record(blobKey: string, list: BlockList): Promise<void>;
  /** Blob keys of kept versions whose block list is not known yet, at most `limit`. */
  awaiting(limit: number): Promise<string[]>;
}
