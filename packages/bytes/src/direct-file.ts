/**
 * A file written around the page cache (O_DIRECT) where the file system allows it: the
 * server's temporary upload file, the client's download `DEST.part`. Buffered writes put
 * every byte into fresh page-cache pages: a second copy, pages the kernel must find and later
 * write back, and, in a VM whose host reclaims freed memory, a host fault per page (costly and
 * erratic: docs/performance.md). Direct writes go from the batch to the device (a fraction of
 * that CPU) and leave nothing for the final fsync. They need the buffer's address, the length
 * and the file offset aligned to the device's block size: batches come page-aligned
 * (aligned-memory.ts) and are whole blocks except the last, so whole blocks at a block-aligned
 * position are written directly and anything else (the last batch's tail, everything after a
 * resume from an unaligned size) through a second, buffered descriptor of the same file. A file
 * system or buffer that refuses (EINVAL) turns the file into a plain buffered one from then
 * on. Network and FUSE file systems (an NFS home directory) are written through the cache from
 * the start (directWritesSuit): there O_DIRECT makes every write a synchronous round trip to
 * the server.
 */
import { constants } from 'node:fs';
import { open, statfs, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Direct writes are made in multiples of this (the largest common logical block size). */
export const BLOCK_BYTES = 4096;

export interface CreateOptions {
  /** Write around the page cache (default: whether the directory's file system suits it, directWritesSuit). */
  readonly direct?: boolean | undefined;
  /** Mode of a new file, before the umask; default 0o666 (as `open(path, 'w')`). */
  readonly mode?: number | undefined;
  /** Fail with EEXIST when `path` exists (O_EXCL) instead of emptying it. */
  readonly exclusive?: boolean | undefined;
}

const DEFAULT_MODE = 0o666;

export class DirectFile {
  #position: number;
  /** Unset once a direct write was refused (or O_DIRECT is not available). */
  #direct: FileHandle | undefined;
  /** Opened on the first write that cannot be direct. */
  #buffered: FileHandle | undefined;

  private constructor(
    readonly path: string,
    handle: FileHandle,
    direct: boolean,
    position: number,
  ) {
    if (direct) this.#direct = handle;
    else this.#buffered = handle;
    this.#position = position;
  }

  /** Creates `path`, or empties it if it exists (unless `exclusive`); writes start at 0. */
  static async create(path: string, options: CreateOptions = {}): Promise<DirectFile> {
    const { O_WRONLY, O_CREAT, O_TRUNC, O_EXCL } = constants;
    const mode = options.mode ?? DEFAULT_MODE;
    const flags = O_WRONLY | O_CREAT | (options.exclusive === true ? O_EXCL : O_TRUNC);
    const handle = (options.direct ?? (await directWritesSuit(dirname(path)))) ? await openDirect(path, flags, mode) : undefined;
    return new DirectFile(path, handle ?? (await open(path, flags, mode)), handle !== undefined, 0);
  }

  /** Opens the existing `path` to append to it: writes start at its current size. `direct` as for create. */
  static async openToAppend(path: string, direct?: boolean): Promise<DirectFile> {
    const handle = (direct ?? (await directWritesSuit(dirname(path)))) ? await openDirect(path, constants.O_WRONLY, DEFAULT_MODE) : undefined;
    const file = handle ?? (await open(path, 'r+'));
    try {
      return new DirectFile(path, file, handle !== undefined, (await file.stat()).size);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** True while whole blocks at aligned positions still bypass the page cache. */
  get direct(): boolean {
    return this.#direct !== undefined;
  }

  /** Where the next write goes: the bytes written so far (after a truncation, its length). */
  get size(): number {
    return this.#position;
  }

  /** Appends all of `data`. One call at a time. */
  async append(data: Buffer): Promise<void> {
    let offset = 0;
    while (this.#direct !== undefined && this.#position % BLOCK_BYTES === 0 && data.length - offset >= BLOCK_BYTES) {
      const length = data.length - offset - ((data.length - offset) % BLOCK_BYTES);
      try {
        const { bytesWritten } = await this.#direct.write(data, offset, length, this.#position);
        // A short write leaves an unaligned position: the loop ends and the rest goes buffered.
        if (bytesWritten === 0) break;
        offset += bytesWritten;
        this.#position += bytesWritten;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
        await this.#stopDirect();
      }
    }
    if (offset === data.length) return;
    const file = await this.#bufferedHandle();
    while (offset < data.length) {
      const { bytesWritten } = await file.write(data, offset, data.length - offset, this.#position);
      offset += bytesWritten;
      this.#position += bytesWritten;
    }
  }

  /**
   * Cuts (or extends) the file to `length` bytes; the next write goes there. Direct writes go
   * on (from an aligned length) unless they were refused.
   */
  async truncate(length: number): Promise<void> {
    await this.handle.truncate(length);
    this.#position = length;
  }

  /** Makes the data and size durable (either descriptor: fsync flushes the whole file). */
  async sync(): Promise<void> {
    await this.handle.sync();
  }

  async close(): Promise<void> {
    const handles = [this.#direct, this.#buffered];
    this.#direct = undefined;
    this.#buffered = undefined;
    for (const handle of handles) await handle?.close();
  }

  /** A descriptor of the file, for syncs (either one: fsync flushes the whole file). */
  get handle(): FileHandle {
    const handle = this.#direct ?? this.#buffered;
    if (handle === undefined) throw new Error(`${this.path} is closed`);
    return handle;
  }

  async #bufferedHandle(): Promise<FileHandle> {
    if (this.#direct === undefined && this.#buffered === undefined) throw new Error(`${this.path} is closed`);
    this.#buffered ??= await open(this.path, 'r+');
    return this.#buffered;
  }

  /** Direct writes were refused: everything from now on is buffered; both see one file. */
  async #stopDirect(): Promise<void> {
    await this.#bufferedHandle();
    const direct = this.#direct;
    this.#direct = undefined;
    await direct?.close();
  }
}

/** Opens `path` with O_DIRECT added to `flags`; undefined where the system or file system has none. */
async function openDirect(path: string, flags: number, mode: number): Promise<FileHandle | undefined> {
  const { O_DIRECT } = constants;
  if (O_DIRECT === undefined) return undefined;
  try {
    return await open(path, flags | O_DIRECT, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error; // a file system without O_DIRECT
    return undefined;
  }
}

/** statfs(2) magic numbers of file systems where direct writes are slower: NFS, SMB2, CIFS, FUSE. */
const NETWORK_FILE_SYSTEMS = new Set([0x6969, 0xfe534d42, 0xff534d42, 0x65735546]);

/** Whether files in `dir` should be written around the page cache. */
export async function directWritesSuit(dir: string): Promise<boolean> {
  const { type } = await statfs(dir);
  return !NETWORK_FILE_SYSTEMS.has(type);
}
