// The filesystem driver of the blob store: a root directory holding `blobs/sha256/ab/<digest>`
// (committed, content-addressed, never partial), `uploads/<uuid>` (temporary files, on the
// same file system so that commit's rename is atomic) and `resumable/<uuid>` (resumable
// uploads, fs-resumable-upload.ts, on that file system too). It needs nothing beyond POSIX rename and
// unlink, so it works on any mounted file system (local, NFS, a loop-mounted volume).
// Directories are created with mode 0700 and files with 0600: only the server reads them.
// A reader holds an open file descriptor, so a delete meanwhile does not disturb it (unlink
// semantics), and a commit never changes the bytes under an existing key.
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, open, opendir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { alignedSharedBuffers, BackgroundSha256, DirectFile, directWritesSuit, type RunningSha256 } from '@repoman/bytes';
import { BlobNotFoundError } from '../blob-errors.js';
import { BLOB_KEY_PREFIX, digestOfBlobKey } from '../blob-key.js';
import type { BlobStat, BlobStore, BlobUpload, ByteRange, ResumableUpload, StoredResumable } from '../blob-store.js';
import { BufferPool } from '../buffer-pool.js';
import { resolveByteRange } from '../byte-range.js';
import { EarlyWriteback } from './early-writeback.js';
import { FileBytes } from './file-bytes.js';
import { FsBlobUpload } from './fs-blob-upload.js';
import { COPYING_SUFFIX, FsResumableUpload, isResumableHandle, RESUMABLE_DIR, WRITE_LOG_SUFFIX } from './fs-resumable-upload.js';
import { DEFAULT_BATCH_BYTES } from '../ingest-stream.js';

/**
 * Downloads read the file in chunks of at most this size (see FileBytes): 1 MiB reads take
 * less CPU than 256 KiB ones over TLS (docs/performance.md). Each download holds two such buffers.
 */
export const DEFAULT_READ_CHUNK_BYTES = 1024 * 1024;
/** The buffers of all downloads together stay within this, plus 128 KiB per download past it. */
const READ_BUFFER_BUDGET = 32 * 1024 * 1024;
const MIN_READ_CHUNK_BYTES = 64 * 1024;
/** Idle upload batch buffers kept for the next uploads (two per upload). */
const IDLE_BATCHES = 4;
/** Idle read buffers kept for the next downloads, in bytes per chunk size. */
const IDLE_READ_BYTES = 4 * 1024 * 1024;

export interface FsBlobStoreOptions {
  /** Size of the writes an upload makes (default 1 MiB). */
  readonly batchBytes?: number;
  /** Size of the reads of a download (default 1 MiB). */
  readonly readChunkBytes?: number;
}

export class FsBlobStore implements BlobStore {
  /** Uploads this instance runs, by id: sweepUploads() leaves them alone. */
  readonly #active = new Set<string>();

  /** Read buffers by size, and the bytes of buffers that open downloads hold (two each). */
  readonly #readPools = new Map<number, BufferPool>();
  readonly #writeback = new EarlyWriteback();
  /**
   * Uploads hash on a worker thread; their batches (page-aligned shared memory, for the
   * worker and for direct writes) are reused across uploads.
   */
  readonly #hashing: { readonly worker: BackgroundSha256; readonly buffers: BufferPool };
  /** The running hashes of uploads based on a blob (fs-resumable-upload.ts), and this instance's name in their write logs. */
  readonly #running = new Map<string, RunningSha256>();
  readonly #writer = randomUUID();
  #readHeld = 0;
  /** Uploads are written around the page cache (decided once, from the file system's type). */
  #directWrites = true;

  private constructor(
    /** Absolute path of the root directory. */
    readonly root: string,
    private readonly batchBytes: number,
    private readonly readChunkBytes: number,
  ) {
    this.#hashing = {
      worker: new BackgroundSha256(),
      buffers: new BufferPool(batchBytes, IDLE_BATCHES, alignedSharedBuffers()),
    };
  }

  /**
   * The buffers for one more download: two of `readChunkBytes` while the budget has room for
   * them, else of the largest power of two below that still fits, at least 64 KiB. So up to 16
   * simultaneous downloads read 1 MiB chunks, and 150 hold ~50 MiB of buffers rather than 300.
   */
  #readPool(): BufferPool {
    let size = this.readChunkBytes;
    while (size > MIN_READ_CHUNK_BYTES && this.#readHeld + 2 * size > READ_BUFFER_BUDGET) size /= 2;
    size = Math.max(Math.floor(size), 1);
    let pool = this.#readPools.get(size);
    if (pool === undefined) {
      pool = new BufferPool(size, Math.max(2, Math.floor(IDLE_READ_BYTES / size)));
      this.#readPools.set(size, pool);
    }
    return pool;
  }

  /**
   * Opens (creating as needed) a store rooted at `root`. Throws if `uploads/` and `blobs/`
   * are on different file systems, where commit could not rename atomically.
   */
  static async open(root: string, options: FsBlobStoreOptions = {}): Promise<FsBlobStore> {
    const store = new FsBlobStore(resolve(root), options.batchBytes ?? DEFAULT_BATCH_BYTES, options.readChunkBytes ?? DEFAULT_READ_CHUNK_BYTES);
    await mkdir(store.#uploadsDir, { recursive: true, mode: 0o700 });
    await mkdir(join(store.root, BLOB_KEY_PREFIX), { recursive: true, mode: 0o700 });
    await mkdir(join(store.root, RESUMABLE_DIR), { recursive: true, mode: 0o700 });
    const [uploads, blobs, resumable] = await Promise.all([stat(store.#uploadsDir), stat(join(store.root, BLOB_KEY_PREFIX)), stat(join(store.root, RESUMABLE_DIR))]);
    if (uploads.dev !== blobs.dev || resumable.dev !== blobs.dev) {
      throw new Error(`blob store ${store.root}: uploads/, resumable/ and blobs/ must be on the same file system`);
    }
    store.#directWrites = await directWritesSuit(store.#uploadsDir);
    return store;
  }

  get #uploadsDir(): string {
    return join(this.root, 'uploads');
  }

  async createUpload(): Promise<BlobUpload> {
    const id = randomUUID();
    const tempPath = join(this.#uploadsDir, id);
    const file = await DirectFile.create(tempPath, { mode: 0o600, exclusive: true, direct: this.#directWrites });
    this.#active.add(id);
    return new FsBlobUpload(id, file, {
      root: this.root,
      tempPath,
      batchBytes: this.batchBytes,
      writeback: this.#writeback,
      hashing: this.#hashing,
      onSettled: () => this.#active.delete(id),
    });
  }

  createResumable(): Promise<ResumableUpload> {
    return FsResumableUpload.create(randomUUID(), this.#resumableContext);
  }

  async createResumableFrom(key: string, length: number): Promise<ResumableUpload> {
    const path = this.#pathOf(key);
    if (path === null) throw new BlobNotFoundError(key);
    const handle = randomUUID();
    // A reflink is made under uploads/ (swept by age if the server dies meanwhile), then renamed whole.
    return FsResumableUpload.createFrom(handle, this.#resumableContext, { key, path }, join(this.#uploadsDir, handle), length);
  }

  openResumable(handle: string): ResumableUpload {
    return new FsResumableUpload(handle, this.#resumableContext);
  }

  get #resumableContext() {
    return { root: this.root, batchBytes: this.batchBytes, hashing: this.#hashing, direct: this.#directWrites, running: this.#running, writer: this.#writer };
  }

  async stat(key: string): Promise<BlobStat | null> {
    const path = this.#pathOf(key);
    if (path === null) return null;
    try {
      const info = await stat(path);
      return { size: info.size, committedAt: info.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** The bytes as a FileBytes: a Readable with a faster sendTo() for the HTTP layer. */
  async read(key: string, range?: ByteRange): Promise<FileBytes> {
    const path = this.#pathOf(key);
    if (path === null) throw new BlobNotFoundError(key);
    const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new BlobNotFoundError(key) : error;
    });
    try {
      const { size } = await file.stat();
      const { start, end } = resolveByteRange(range, size);
      // An empty blob has no last byte; its stream simply ends at once.
      const pool = this.#readPool();
      const bytes = new FileBytes(file, start, size === 0 ? 0 : end - start + 1, pool);
      this.#readHeld += 2 * pool.bufferBytes;
      bytes.once('close', () => (this.#readHeld -= 2 * pool.bufferBytes));
      return bytes;
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.#pathOf(key);
    if (path !== null) await rm(path, { force: true });
  }

  async *list(): AsyncIterable<string> {
    for await (const fanOut of await opendir(join(this.root, BLOB_KEY_PREFIX))) {
      if (!fanOut.isDirectory()) continue;
      for await (const entry of await opendir(join(this.root, BLOB_KEY_PREFIX, fanOut.name))) {
        const key = `${BLOB_KEY_PREFIX}${fanOut.name}/${entry.name}`;
        if (entry.isFile() && digestOfBlobKey(key) !== null) yield key;
      }
    }
  }

  async sweepUploads(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for await (const entry of await opendir(this.#uploadsDir)) {
      if (!entry.isFile() || this.#active.has(entry.name)) continue;
      const path = join(this.#uploadsDir, entry.name);
      const info = await lstat(path).catch(() => null); // gone meanwhile: someone else swept it
      if (info === null || !modifiedBy(info, cutoff)) continue;
      await rm(path, { force: true });
      removed += 1;
    }
    return removed;
  }

  /**
   * The files under `resumable/` (a handle is the file's name), by their last write; and the
   * write logs whose upload is gone (a process stopped between removing the two), so that
   * cancelling them removes them.
   */
  async *listResumable(olderThanMs: number): AsyncIterable<StoredResumable> {
    const cutoff = Date.now() - olderThanMs;
    // Handles listed by a side file: an upload gone may have left both.
    const orphans = new Set<string>();
    for await (const entry of await opendir(join(this.root, RESUMABLE_DIR))) {
      if (!entry.isFile()) continue;
      // An upload's side files (write log, copy note) are listed by its handle when it is gone.
      const suffix = [WRITE_LOG_SUFFIX, COPYING_SUFFIX].find((end) => entry.name.endsWith(end)) ?? '';
      const handle = entry.name.slice(0, entry.name.length - suffix.length);
      if (!isResumableHandle(handle)) continue;
      const path = join(this.root, RESUMABLE_DIR, handle);
      const sideFile = suffix !== '';
      if (sideFile && (orphans.has(handle) || (await lstat(path).catch(() => null)) !== null)) continue; // listed already, or by its upload's file
      const info = await lstat(join(this.root, RESUMABLE_DIR, entry.name)).catch(() => null); // committed or cancelled meanwhile
      if (info === null || !modifiedBy(info, cutoff)) continue;
      if (sideFile) orphans.add(handle);
      yield { handle, since: info.mtime };
    }
  }

  /** Stops the hashing threads. */
  async close(): Promise<void> {
    for (const running of this.#running.values()) running.stop();
    this.#running.clear();
    await this.#hashing.worker.close();
  }

  /** The file of a key, or null for a key this store could not have issued. */
  #pathOf(key: string): string | null {
    return digestOfBlobKey(key) === null ? null : join(this.root, key);
  }
}

/**
 * Whether a file was last modified at `cutoff` (ms, from Date.now()) or before. Compared in whole
 * milliseconds: the kernel's fine-grained mtime of a file written in the cutoff's own
 * millisecond lies past Date.now()'s whole one.
 */
function modifiedBy(info: Stats, cutoff: number): boolean {
  return Math.floor(info.mtimeMs) <= cutoff;
}
