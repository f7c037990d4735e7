// A resumable upload of the filesystem driver: one file `resumable/<uuid>` (mode 0600)
// that appends grow in place. Its size is the offset, so any process on the same file system
// sees the same offset, also after a crash: each append fsyncs what it wrote, even when its
// source is cut (whole batches only; the batch being filled is dropped); an append whose digest
// is wrong is truncated away. The directory is not swept by age (sweepUploads looks in
// `uploads/` only): the metadata row that owns the upload cancels it when it expires, and the
// sweeper cancels the files no row names (listResumable). commit() hashes the file in one pass,
// off the event loop, and renames it to its content address, as a one-shot upload does
// (publishTempFile). An upload based on a blob (a delta re-save, createFrom) starts as a copy
// of it (a reflink, else copied in whole blocks around the page cache), and writeAt()
// overwrites its changed blocks; its sha256 runs alongside (RunningSha256: hashed up to each
// changed block as it arrives, again from a block rewritten behind), so that its commit has
// only the blocks after the last change left to hash. Writes made by another process sharing
// the store are told through `<handle>.writes` (a line per write, appended before it starts):
// the commit hashes them again too.
import { constants } from 'node:fs';
import { appendFile, copyFile, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RunningSha256, sha256OfFile, type BackgroundSha256 } from '@repoman/bytes';
import { AppendDigestError, BlobNotFoundError, OffsetMismatchError } from '../blob-errors.js';
import type { AppendOptions, BlobRef, BlobWriteOptions, BlobWriteResult, ResumableUpload, UploadSource } from '../blob-store.js';
import type { BufferPool } from '../buffer-pool.js';
import { ingestStream } from '../ingest-stream.js';
import { publishTempFile } from './fs-blob-upload.js';

/** The directory of resumable uploads (on the file system of the blobs, checked when the store opens). */
export const RESUMABLE_DIR = 'resumable';
/** From this size on, commit() hashes on two threads of its own (their start costs a few ms). */
const TWO_THREAD_HASH_BYTES = 64 * 1024 * 1024;
/** Running hashes kept per store at most (a thread each); past them a commit hashes every byte. */
const MAX_RUNNING_HASHES = 4;
/** What a failed reflink says where the file system has none. */
const NO_REFLINK = new Set(['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOSYS', 'ENOTTY']);
/** The suffix of an upload's write log (see the header). */
export const WRITE_LOG_SUFFIX = '.writes';
const HANDLE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `name` can be a handle (a file name under `resumable/`). */
export function isResumableHandle(name: string): boolean {
  return HANDLE.test(name);
}

export interface FsResumableContext {
  readonly root: string;
  readonly batchBytes: number;
  readonly hashing: { readonly worker: BackgroundSha256; readonly buffers: BufferPool };
  /** Read (and copy) whole files around the page cache (the store's file system allows it). */
  readonly direct: boolean;
  /** The running hashes of this store's uploads based on a blob, by handle. */
  readonly running: Map<string, RunningSha256>;
  /** Names this store instance in write logs. */
  readonly writer: string;
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
   * Creates the file of an upload based on a blob, under `tempPath`, renamed into place whole
   * once durable: a reflink where the file system has them (no byte copied), else a copy made
   * by a RunningSha256 thread around the page cache; cut or extended (zeros) to `length`. The
   * running hash stays with the upload (at most MAX_RUNNING_HASHES per store).
   */
  static async createFrom(handle: string, context: FsResumableContext, base: { key: string; path: string }, tempPath: string, length: number): Promise<FsResumableUpload> {
    const upload = new FsResumableUpload(handle, context);
    const path = upload.#existingPath();
    const keep = context.running.size < MAX_RUNNING_HASHES;
    let running: RunningSha256 | undefined;
    try {
      if (await reflink(base, tempPath)) {
        const file = await open(tempPath, 'r+');
        try {
          await file.chmod(0o600);
          await file.truncate(length);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(tempPath, path);
        if (keep) running = new RunningSha256({ path, length, direct: context.direct });
      } else {
        await (await open(tempPath, 'wx', 0o600)).close();
        running = new RunningSha256({ path: tempPath, length, copyFrom: base.path, direct: context.direct });
        await running.copied.catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(base.key);
          throw error;
        });
        await rename(tempPath, path);
        if (!keep) running.stop();
      }
    } catch (error) {
      running?.stop();
      await rm(tempPath, { force: true });
      throw error;
    }
    if (running !== undefined && keep) context.running.set(handle, running);
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
      const maxBytes = Math.min(opts.maxBytes ?? Infinity, size - offset);
      // Told before the first byte changes: whoever holds the running hash hashes these again.
      await appendFile(this.#writeLog(), `${this.context.writer} ${offset} ${maxBytes}\n`, { mode: 0o600 });
      const wrote = this.context.running.get(this.handle)?.writing(offset, maxBytes);
      let position = offset;
      try {
        const { sha256 } = await ingestStream(source, async (batch) => {
          await writeAll(file, batch, position);
          position += batch.length;
        }, { ...opts, maxBytes, batchBytes: this.context.batchBytes, hashing: this.context.hashing });
        return { written: position - offset, sha256 };
      } finally {
        try {
          await file.sync();
        } finally {
          wrote?.(position - offset);
        }
      }
    } finally {
      await file.close();
    }
  }

  async commit(check?: (written: BlobWriteResult) => Promise<void>, known?: BlobWriteResult): Promise<BlobRef> {
    const path = this.#existingPath();
    const written = known ?? (await this.#runningResult()) ?? (await this.#hash(path));
    await check?.(written);
    await rm(this.#writeLog(), { force: true });
    return publishTempFile(this.context.root, path, written, `resumable upload ${this.handle}`);
  }

  /**
   * The size and sha256 of the running hash, once it has hashed the blocks written since and
   * those other processes wrote (the write log); undefined when there is none (another
   * instance created the upload, it stopped) or it failed: then every byte is hashed.
   * Used once: a commit tried again hashes every byte.
   */
  async #runningResult(): Promise<BlobWriteResult | undefined> {
    const running = this.context.running.get(this.handle);
    if (running === undefined) return undefined;
    this.context.running.delete(this.handle);
    try {
      const log = await readFile(this.#writeLog(), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      for (const line of log.split('\n')) {
        const [writer, offset, length] = line.split(' ');
        if (writer === '' || writer === this.context.writer) continue;
        // A line it cannot read: the running hash cannot be trusted, every byte is hashed.
        if (!/^\d+$/.test(offset ?? '') || !/^\d+$/.test(length ?? '')) return undefined;
        running.rewritten(Number(offset), Number(length));
      }
      const { size, sha256 } = await running.finish();
      return { size, sha256 };
    } catch {
      return undefined;
    } finally {
      running.stop();
    }
  }

  /**
   * The file's size and sha256, off the event loop: a big file (a delta re-save's whole image) is
   * read on one thread and hashed on another, so reading overlaps hashing; a small one goes to
   * the store's hashing thread, which is already running (docs/performance.md).
   */
  async #hash(path: string): Promise<BlobWriteResult> {
    try {
      if ((await stat(path)).size >= TWO_THREAD_HASH_BYTES) return await sha256OfFile(path, { direct: this.context.direct });
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
    this.context.running.get(this.handle)?.stop();
    this.context.running.delete(this.handle);
    if (this.#path === null) return;
    await rm(this.#writeLog(), { force: true });
    await rm(this.#path, { force: true });
  }

  #writeLog(): string {
    return this.#existingPath() + WRITE_LOG_SUFFIX;
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

/** Reflinks `base` to `target` (mode as the base's: the caller sets it); false where the file system has no reflinks. */
async function reflink(base: { key: string; path: string }, target: string): Promise<boolean> {
  try {
    await copyFile(base.path, target, constants.COPYFILE_FICLONE_FORCE | constants.COPYFILE_EXCL);
    return true;
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') throw new BlobNotFoundError(base.key);
    if (code !== undefined && NO_REFLINK.has(code)) {
      await rm(target, { force: true });
      return false;
    }
    throw error;
  }
}

async function writeAll(file: FileHandle, batch: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < batch.length) {
    const { bytesWritten } = await file.write(batch, done, batch.length - done, position + done);
    done += bytesWritten;
  }
}
