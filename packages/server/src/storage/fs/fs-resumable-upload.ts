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
// the commit hashes them again too. A copy (no reflink) runs after the creation has answered:
// a write waits until the copy has passed its blocks, and `<handle>.copying` tells other
// processes that it is not done (they wait for it, see copyDone()); the copying process
// touches it every few seconds, so one that has not been touched for a while names a copy cut
// by a stopped process, and the upload is lost.
import { constants } from 'node:fs';
import { appendFile, copyFile, open, readFile, rename, rm, stat, utimes, writeFile, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { RunningSha256, sha256OfFile, type BackgroundSha256 } from '@repoman/bytes';
import { AppendDigestError, BlobNotFoundError, OffsetMismatchError, UploadNotReadyError } from '../blob-errors.js';
import type { AppendOptions, BlobRef, BlobWriteOptions, BlobWriteResult, ResumableUpload, UploadSource } from '../blob-store.js';
import type { BufferPool } from '../buffer-pool.js';
import { ingestStream } from '../ingest-stream.js';
import { publishTempFile } from './fs-blob-upload.js';

/** The directory of resumable uploads (on the file system of the blobs, checked when the store opens). */
export const RESUMABLE_DIR = 'resumable';
/** From this size on, commit() hashes on a thread of its own (its start costs a few ms). */
const OWN_THREAD_HASH_BYTES = 64 * 1024 * 1024;
/** Running hashes kept per store at most (a thread each); past them a commit hashes every byte. */
const MAX_RUNNING_HASHES = 4;
/** What a failed reflink says where the file system has none. */
const NO_REFLINK = new Set(['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOSYS', 'ENOTTY']);
/** The suffix of an upload's write log (see the header). */
export const WRITE_LOG_SUFFIX = '.writes';
/** The suffix of the note that an upload's copy is not done yet (see the header). */
export const COPYING_SUFFIX = '.copying';
/** How often the copying process touches its note; untouched for COPY_LOST_MS, the copy was cut. */
const COPY_HEARTBEAT_MS = 2_000;
const COPY_LOST_MS = 15_000;
/** How long another process's write or commit waits for a copy (then 503: try again). */
const COPY_WAIT_MS = 20_000;
const COPY_POLL_MS = 100;
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
   * Creates the file of an upload based on a blob: a reflink where the file system has them
   * (no byte copied; made under `tempPath` and renamed into place whole), else a copy made by a
   * RunningSha256 thread around the page cache, which goes on after this returns while writes
   * wait for it block by block (see the header); cut or extended (zeros) to `length`. The
   * running hash stays with the upload (at most MAX_RUNNING_HASHES per store; past them the
   * creation waits for the copy).
   */
  static async createFrom(handle: string, context: FsResumableContext, base: { key: string; path: string }, tempPath: string, length: number): Promise<FsResumableUpload> {
    const upload = new FsResumableUpload(handle, context);
    const path = upload.#existingPath();
    const keep = context.running.size < MAX_RUNNING_HASHES;
    if (await reflink(base, tempPath)) {
      try {
        const file = await open(tempPath, 'r+');
        try {
          await file.chmod(0o600);
          await file.truncate(length);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(tempPath, path);
      } catch (error) {
        await rm(tempPath, { force: true });
        throw error;
      }
      if (keep) context.running.set(handle, new RunningSha256({ path, length, direct: context.direct }));
      return upload;
    }
    // The copy holds the base open from its start: a version dropped after this check is still copied whole.
    await stat(base.path).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new BlobNotFoundError(base.key) : error;
    });
    const note = path + COPYING_SUFFIX;
    await writeFile(note, `${context.writer}\n`, { mode: 0o600, flag: 'wx' });
    // Its length at once, as a reflinked upload's: its offset (HEAD) is its end from the start.
    const file = await open(path, 'wx', 0o600);
    await file.truncate(length).finally(() => file.close());
    // Kept, the copy keeps pace with the client's blocks; else it runs at once, awaited here.
    const running = new RunningSha256({ path, length, copyFrom: base.path, pace: keep, direct: context.direct });
    const done = noteCopy(running, note);
    if (keep) {
      context.running.set(handle, running);
      done.catch(() => {}); // told to the writes and the commit (copyDone)
      return upload;
    }
    try {
      await done;
    } catch (error) {
      await upload.cancel();
      throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? new BlobNotFoundError(base.key) : error;
    } finally {
      running.stop();
    }
    return upload;
  }

  /**
   * Resolves once the blocks from `offset` on (at most `maxBytes`) hold the copy of the base: at
   * once for an upload made by a reflink, without a base or copied already. This process's copy
   * says so block by block; another process's, by removing its note (waited for up to
   * COPY_WAIT_MS, then UploadNotReadyError: 503). A failed copy fails the write or commit with
   * its error (a full disk: 507); a copy cut by a stopped process loses the upload (not found).
   */
  async #copyDone(offset: number, maxBytes: number): Promise<void> {
    const running = this.context.running.get(this.handle);
    if (running !== undefined) {
      await running.ready(offset, maxBytes).catch((error: NodeJS.ErrnoException) => {
        throw error.code === undefined || error.code === 'ENOENT' ? new BlobNotFoundError(this.handle) : error;
      });
      return;
    }
    const note = this.#existingPath() + COPYING_SUFFIX;
    for (const since = Date.now(); ; await sleep(COPY_POLL_MS)) {
      const state = await readNote(note);
      if (state === undefined) return;
      if (state.failed !== undefined) throw Object.assign(new Error(`copying the base version into upload ${this.handle} failed (${state.failed})`), { code: state.failed });
      if (Date.now() - state.touchedMs > COPY_LOST_MS) throw new BlobNotFoundError(this.handle);
      if (Date.now() - since > COPY_WAIT_MS) throw new UploadNotReadyError('the server is still copying the previous version into this upload');
    }
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
    await this.#copyDone(offset, opts.maxBytes ?? Infinity);
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
    await this.#copyDone(0, Infinity);
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
   * The file's size and sha256, off the event loop: a big file (a delta re-save's whole image) on
   * a thread of its own that reads the next piece while it hashes this one (sha256OfFile); a
   * small one on the store's hashing thread, which is already running (docs/performance.md).
   */
  async #hash(path: string): Promise<BlobWriteResult> {
    try {
      if ((await stat(path)).size >= OWN_THREAD_HASH_BYTES) return await sha256OfFile(path, { direct: this.context.direct });
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
    await rm(this.#path + COPYING_SUFFIX, { force: true });
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

/**
 * Keeps the note of a copy (see the header) touched while the copy runs; removes it once the
 * copy is durable, or writes the failure's code into it (when it is still there: a cancelled
 * upload's is not); settles as the copy does.
 */
function noteCopy(running: RunningSha256, note: string): Promise<void> {
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(note, now, now).catch(() => {});
  }, COPY_HEARTBEAT_MS);
  heartbeat.unref();
  return running.copied.then(
    () => rm(note, { force: true }),
    async (error: NodeJS.ErrnoException) => {
      const file = await open(note, 'r+').catch(() => undefined);
      if (file !== undefined) {
        await file.truncate(0).then(() => file.write(`failed ${error.code ?? 'ERROR'}\n`, 0)).catch(() => {});
        await file.close();
      }
      throw error;
    },
  ).finally(() => clearInterval(heartbeat));
}

/** A copy's note: when it was last touched, and the failure's code once it failed; undefined once gone. */
async function readNote(note: string): Promise<{ touchedMs: number; failed?: string } | undefined> {
  try {
    const [info, text] = await Promise.all([stat(note), readFile(note, 'utf8')]);
    const failed = /^failed (\S+)/.exec(text)?.[1];
    return { touchedMs: info.mtimeMs, ...(failed !== undefined && { failed }) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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
