// The filesystem driver of the blob store: a root directory holding `blobs/sha256/ab/<digest>`
// (committed, content-addressed, never partial) and `uploads/<uuid>` (temporary files, on the
// same file system so that commit's rename is atomic). It needs nothing beyond POSIX rename and
// unlink, so it works on any mounted file system (local, NFS, a loop-mounted volume).
// Directories are created with mode 0700 and files with 0600: only the server reads them.
// A reader holds an open file descriptor, so a delete meanwhile does not disturb it (unlink
// semantics), and a commit never changes the bytes under an existing key.
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, open, opendir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { BlobNotFoundError } from './blob-errors.js';
import { BLOB_KEY_PREFIX, digestOfBlobKey } from './blob-key.js';
import type { BlobStat, BlobStore, BlobUpload, ByteRange } from './blob-store.js';
import { resolveByteRange } from './byte-range.js';
import { FsBlobUpload } from './fs-blob-upload.js';
import { DEFAULT_BATCH_BYTES } from './ingest-stream.js';

/** Read streams yield 1 MiB chunks: half that size halves download throughput. */
const READ_CHUNK_BYTES = 1024 * 1024;

export interface FsBlobStoreOptions {
  /** Size of the writes an upload makes (default 1 MiB). */
  readonly batchBytes?: number;
}

export class FsBlobStore implements BlobStore {
  /** Uploads this instance runs, by id: sweepUploads() leaves them alone. */
  readonly #active = new Set<string>();

  private constructor(
    /** Absolute path of the root directory. */
    readonly root: string,
    private readonly batchBytes: number,
  ) {}

  /**
   * Opens (creating as needed) a store rooted at `root`. Throws if `uploads/` and `blobs/`
   * are on different file systems, where commit could not rename atomically.
   */
  static async open(root: string, options: FsBlobStoreOptions = {}): Promise<FsBlobStore> {
    const store = new FsBlobStore(resolve(root), options.batchBytes ?? DEFAULT_BATCH_BYTES);
    await mkdir(store.#uploadsDir, { recursive: true, mode: 0o700 });
    await mkdir(join(store.root, BLOB_KEY_PREFIX), { recursive: true, mode: 0o700 });
    const [uploads, blobs] = await Promise.all([stat(store.#uploadsDir), stat(join(store.root, BLOB_KEY_PREFIX))]);
    if (uploads.dev !== blobs.dev) {
      throw new Error(`blob store ${store.root}: uploads/ and blobs/ must be on the same file system`);
    }
    return store;
  }

  get #uploadsDir(): string {
    return join(this.root, 'uploads');
  }

  async createUpload(): Promise<BlobUpload> {
    const id = randomUUID();
    const tempPath = join(this.#uploadsDir, id);
    const file = await open(tempPath, 'wx', 0o600);
    this.#active.add(id);
    return new FsBlobUpload(id, file, {
      root: this.root,
      tempPath,
      batchBytes: this.batchBytes,
      onSettled: () => this.#active.delete(id),
    });
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

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.#pathOf(key);
    if (path === null) throw new BlobNotFoundError(key);
    const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new BlobNotFoundError(key) : error;
    });
    try {
      const { size } = await file.stat();
      const { start, end } = resolveByteRange(range, size);
      // An empty blob has no last byte; its stream simply ends at once.
      return file.createReadStream({ start, end: size === 0 ? undefined : end, highWaterMark: READ_CHUNK_BYTES });
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
      if (info === null || info.mtimeMs > cutoff) continue;
      await rm(path, { force: true });
      removed += 1;
    }
    return removed;
  }

  /** The file of a key, or null for a key this store could not have issued. */
  #pathOf(key: string): string | null {
    return digestOfBlobKey(key) === null ? null : join(this.root, key);
  }
}
