// One upload of the filesystem driver: a temporary file `uploads/<uuid>` (mode 0600) that
// write() fills (around the page cache where it can, see @repoman/bytes' DirectFile; else with background
// syncs on the way, see early-writeback.ts) and fsyncs, and that commit() renames into
// `blobs/sha256/ab/<digest>` before fsyncing the directory, so a blob is either absent or
// complete, even after a crash. The temporary file lives on the same file system as the blobs
// (checked when the store opens), which is what makes the rename atomic. The contract's order (write once, then commit or
// cancel) is kept by UploadLifecycle.
import { mkdir, open, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BackgroundSha256, DirectFile } from '@repoman/bytes';
import { blobKeyForDigest } from '../blob-key.js';
import type { BlobRef, BlobWriteResult, UploadSource } from '../blob-store.js';
import type { BufferPool } from '../buffer-pool.js';
import type { EarlyWriteback } from './early-writeback.js';
import { ingestStream } from '../ingest-stream.js';
import { UploadLifecycle } from '../upload-lifecycle.js';

export interface FsUploadContext {
  /** The store's root directory; keys are paths relative to it. */
  readonly root: string;
  /** Where the temporary file is, already created and opened as `file`. */
  readonly tempPath: string;
  readonly batchBytes: number;
  /** Starts syncs while the bytes arrive, so that the final fsync is short (buffered files). */
  readonly writeback: EarlyWriteback;
  /** Hashes the bytes on a worker thread, from batches of this pool (shared memory). */
  readonly hashing: { readonly worker: BackgroundSha256; readonly buffers: BufferPool };
  /** Called once the upload is committed or cancelled, so the sweeper may ignore or take it. */
  readonly onSettled: () => void;
}

export class FsBlobUpload extends UploadLifecycle {
  #file: DirectFile | undefined;

  constructor(
    id: string,
    file: DirectFile,
    private readonly context: FsUploadContext,
  ) {
    super(id, context.onSettled);
    this.#file = file;
  }

  protected async fill(source: UploadSource, maxBytes: number | undefined, signal: AbortSignal): Promise<BlobWriteResult> {
    const file = this.#file;
    if (file === undefined) throw new Error('upload file is closed');
    // Direct writes leave no dirty pages behind: nothing for early writeback to do.
    const writeback = file.direct ? undefined : this.context.writeback.track(file.handle);
    try {
      const result = await ingestStream(source, async (batch) => {
        await file.append(batch);
        writeback?.wrote(batch.length);
      }, { maxBytes, signal, batchBytes: this.context.batchBytes, hashing: this.context.hashing });
      await writeback?.settle();
      await file.sync();
      return result;
    } finally {
      this.#file = undefined;
      await writeback?.settle();
      await file.close();
    }
  }

  protected publish(result: BlobWriteResult): Promise<BlobRef> {
    return publishTempFile(this.context.root, this.context.tempPath, result, `upload ${this.id}`);
  }

  protected async discard(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    await file?.close();
    await rm(this.context.tempPath, { force: true });
  }
}

/**
 * Renames a durable temporary file holding `result`'s bytes to its content address under
 * `root`, or reuses an identical blob (refreshing its time) and removes the temporary file.
 * Shared by the one-shot and the resumable uploads.
 */
export async function publishTempFile(root: string, tempPath: string, result: BlobWriteResult, label: string): Promise<BlobRef> {
  const key = blobKeyForDigest(result.sha256);
  const target = join(root, key);
  const fanOut = dirname(target);
  if (await makeDirectory(fanOut)) await fsyncDirectory(dirname(fanOut));

  const existing = await stat(target).catch(ifMissing(null));
  if (existing?.isFile() === true && existing.size === result.size) {
    const now = new Date();
    const stillThere = await utimes(target, now, now).then(() => true, ifMissing(false));
    if (stillThere) {
      await rm(tempPath, { force: true });
      return { key, ...result };
    }
  }
  try {
    await rename(tempPath, target);
  } catch (error) {
    if (isMissing(error)) throw new Error(`${label}: its temporary file is gone (swept as abandoned?)`, { cause: error });
    throw error;
  }
  await fsyncDirectory(fanOut);
  return { key, ...result };
}

/** Creates `path` (mode 0700); true if it did not exist. Its parent must exist. */
async function makeDirectory(path: string): Promise<boolean> {
  try {
    await mkdir(path, { mode: 0o700 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Makes a directory's entries durable. Some file systems (network, FUSE) refuse fsync on a
 * directory; they order metadata themselves, so that refusal is not an error.
 */
export async function fsyncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await directory.close();
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function ifMissing<T>(value: T): (error: unknown) => T {
  return (error) => {
    if (isMissing(error)) return value;
    throw error;
  };
}
