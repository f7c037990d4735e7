// A resumable upload of the filesystem driver: one file `resumable/<uuid>` (mode 0600)
// that appends grow in place. Its size is the offset, so any process on the same file system
// sees the same offset, also after a crash: each append fsyncs what it wrote, even when its
// source is cut (whole batches only; the batch being filled is dropped); an append whose digest
// is wrong is truncated away. The directory is not swept by age (sweepUploads looks in
// `uploads/` only): the metadata row that owns the upload cancels it when it expires, and the
// sweeper cancels the files no row names (listResumable). commit() hashes the file in one pass,
// off the event loop, and renames it to its content address, as a one-shot upload does
// (publishTempFile). An upload based on a blob (a delta re-save, createFrom) starts as a
// kernel-made copy of it, and writeAt() overwrites its changed blocks.
import { constants } from 'node:fs';
import { copyFile, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256OfFile, type BackgroundSha256 } from '@repoman/bytes';
import { AppendDigestError, BlobNotFoundError, OffsetMismatchError } from '../blob-errors.js';
import type { AppendOptions, BlobRef, BlobWriteOptions, BlobWriteResult, ResumableUpload, UploadSource } from '../blob-store.js';
import type { BufferPool } from '../buffer-pool.js';
import { ingestStream } from '../ingest-stream.js';
import { publishTempFile } from './fs-blob-upload.js';

/** The directory of resumable uploads (on the file system of the blobs, checked when the store opens). */
export const RESUMABLE_DIR = 'resumable';
/** From this size on, commit() hashes on two threads of its own (their start costs a few ms). */
const TWO_THREAD_HASH_BYTES = 64 * 1024 * 1024;
const HANDLE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `name` can be a handle (a file name under `resumable/`). */
export function isResumableHandle(name: string): boolean {
  return HANDLE.test(name);
}

export interface FsResumableContext {
  readonly root: string;
  readonly batchBytes: number;
  readonly hashing: { readonly worker: BackgroundSha256; readonly buffers: BufferPool };
}

export class FsResumableUpload implements ResumableUpload {
  readonly #path: string | null;

  constructor(
    readonly handle: string,
    private readonly context: FsResumableContext,
  ) {
    // A handle is a UUID: nothing else can name a path, inside the store or out of it.
    this.#path = isResumableHandle(handle) ? join(context.root, RESUMABLE_DIR, handle) : null;
  }

  /** Creates the empty file of a new upload. */
  static async create(handle: string, context: FsResumableContext): Promise<FsResumableUpload> {
    const upload = new FsResumableUpload(handle, context);
    const file = await open(upload.#existingPath(), 'wx', 0o600);
    await file.close();
    return upload;
  }

  /**
   * Creates the file of an upload based on a blob: a copy of it made by the kernel
   * (`COPYFILE_FICLONE`: a reflink where the file system has them, else libuv's
   * copy_file_range, so no byte passes through this process), cut or extended (sparse) to
   * `length`, made durable under `tempPath`, then renamed into place whole.
   */
  static async createFrom(handle: string, context: FsResumableContext, base: { key: string; path: string }, tempPath: string, length: number): Promise<FsResumableUpload> {
    const upload = new FsResumableUpload(handle, context);
    try {
      await copyFile(base.path, tempPath, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(base.key);
        throw error;
      });
      const file = await open(tempPath, 'r+');
      try {
        await file.chmod(0o600);
        await file.truncate(length);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tempPath, upload.#existingPath());
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
    return upload;
  }

  async offset(): Promise<number> {
    const info = await stat(this.#existingPath()).catch(this.#ifMissing);
    return info.size;
  }

  async append(offset: number, source: UploadSource, opts: AppendOptions = {}): Promise<{ offset: number; sha256: string }> {
    const file = await open(this.#existingPath(), 'r+').catch(this.#ifMissing);
    try {
      const { size } = await file.stat();
      if (size !== offset) throw new OffsetMismatchError(offset, size);
      let position = offset;
      let sha256: string;
      try {
        ({ sha256 } = await ingestStream(source, async (batch) => {
          await writeAll(file, batch, position);
          position += batch.length;
        }, { ...opts, batchBytes: this.context.batchBytes, hashing: this.context.hashing }));
        const expected = typeof opts.sha256 === 'function' ? opts.sha256() : opts.sha256;
        if (expected !== undefined && expected !== sha256) {
          await file.truncate(offset);
          throw new AppendDigestError(expected, sha256);
        }
      } finally {
        // Also after a cut: what was written is kept, and must be durable before anyone resumes.
        await file.sync();
      }
      return { offset: position, sha256 };
    } finally {
      await file.close();
    }
  }

  async writeAt(offset: number, source: UploadSource, opts: BlobWriteOptions = {}): Promise<{ written: number; sha256: string }> {
    const file = await open(this.#existingPath(), 'r+').catch(this.#ifMissing);
    try {
      const { size } = await file.stat();
      if (offset > size) throw new OffsetMismatchError(offset, size);
      let position = offset;
      try {
        const { sha256 } = await ingestStream(source, async (batch) => {
          await writeAll(file, batch, position);
          position += batch.length;
        }, { ...opts, maxBytes: Math.min(opts.maxBytes ?? Infinity, size - offset), batchBytes: this.context.batchBytes, hashing: this.context.hashing });
        return { written: position - offset, sha256 };
      } finally {
        await file.sync();
      }
    } finally {
      await file.close();
    }
  }

  async commit(check?: (written: BlobWriteResult) => Promise<void>, known?: BlobWriteResult): Promise<BlobRef> {
    const path = this.#existingPath();
    const written = known ?? (await this.#hash(path));
    await check?.(written);
    return publishTempFile(this.context.root, path, written, `resumable upload ${this.handle}`);
  }

  /**
   * The file's size and sha256, off the event loop: a big file (a delta re-save's whole image) is
   * read on one thread and hashed on another, so reading overlaps hashing; a small one goes to
   * the store's hashing thread, which is already running (docs/performance.md).
   */
  async #hash(path: string): Promise<BlobWriteResult> {
    try {
      if ((await stat(path)).size >= TWO_THREAD_HASH_BYTES) return await sha256OfFile(path);
      const session = this.context.hashing.worker.session();
      try {
        const size = await session.updateFromFile(path, null);
        return { size, sha256: await session.digest() };
      } catch (error) {
        session.drop();
        throw error;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || /ENOENT/.test((error as Error).message)) throw new BlobNotFoundError(this.handle);
      throw error;
    }
  }

  async cancel(): Promise<void> {
    if (this.#path !== null) await rm(this.#path, { force: true });
  }

  #existingPath(): string {
    if (this.#path === null) throw new BlobNotFoundError(this.handle);
    return this.#path;
  }

  readonly #ifMissing = (error: unknown): never => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(this.handle);
    throw error;
  };
}

async function writeAll(file: FileHandle, batch: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < batch.length) {
    const { bytesWritten } = await file.write(batch, done, batch.length - done, position + done);
    done += bytesWritten;
  }
}
