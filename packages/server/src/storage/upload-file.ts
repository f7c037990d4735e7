// The temporary file of one filesystem upload, written around the page cache (O_DIRECT)
// where the file system allows it. Buffered writes put every byte into fresh page-cache pages
// (a second copy, pages the kernel must find, and, in a VM whose host reclaims freed memory,
// a host fault per page: 0.2 to 1.7 s of CPU per GB here) and leave it all for the final
// fsync. Direct writes go from the upload's batch to the device: ~0.1 s of CPU per GB, and the
// fsync finds nothing left to write. They need the buffer, the length and the file offset
// aligned to the device's block size; batches come page-aligned (aligned-memory.ts) and are
// a multiple of BLOCK_BYTES except the last, whose tail is written through a second, buffered
// descriptor. A file system or buffer that refuses (EINVAL) turns the file into a plain
// buffered one for the rest of the upload. Network and FUSE file systems are written through
// the cache from the start (directWritesSuit): there O_DIRECT makes every write a synchronous
// round trip to the server.
import { constants } from 'node:fs';
import { open, statfs, type FileHandle } from 'node:fs/promises';

/** Direct writes are made in multiples of this (the largest common logical block size). */
export const BLOCK_BYTES = 4096;

export class UploadFile {
  #position = 0;
  /** Unset once a direct write was refused or the buffered tail began. */
  #direct: FileHandle | undefined;
  #buffered: FileHandle | undefined;

  private constructor(
    readonly path: string,
    handle: FileHandle,
    direct: boolean,
  ) {
    if (direct) this.#direct = handle;
    else this.#buffered = handle;
  }

  /** Creates `path` (which must not exist) with `mode`; `direct: false` writes through the cache. */
  static async create(path: string, mode: number, direct = true): Promise<UploadFile> {
    const { O_WRONLY, O_CREAT, O_EXCL, O_DIRECT } = constants;
    if (direct && O_DIRECT !== undefined) {
      try {
        return new UploadFile(path, await open(path, O_WRONLY | O_CREAT | O_EXCL | O_DIRECT, mode), true);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error; // a file system without O_DIRECT
      }
    }
    return new UploadFile(path, await open(path, 'wx', mode), false);
  }

  /** True while writes still bypass the page cache. */
  get direct(): boolean {
    return this.#direct !== undefined;
  }

  /** Appends all of `data`. One call at a time. */
  async append(data: Buffer): Promise<void> {
    let offset = 0;
    while (this.#direct !== undefined && data.length - offset >= BLOCK_BYTES) {
      const length = data.length - offset - ((data.length - offset) % BLOCK_BYTES);
      try {
        const { bytesWritten } = await this.#direct.write(data, offset, length, this.#position);
        offset += bytesWritten;
        this.#position += bytesWritten;
        // A short write leaves an unaligned position: the rest goes buffered.
        if (bytesWritten % BLOCK_BYTES !== 0) await this.#toBuffered();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
        await this.#toBuffered();
      }
    }
    if (offset === data.length) return;
    if (this.#buffered === undefined) await this.#toBuffered();
    const file = this.#buffered as FileHandle;
    while (offset < data.length) {
      const { bytesWritten } = await file.write(data, offset, data.length - offset, this.#position);
      offset += bytesWritten;
      this.#position += bytesWritten;
    }
  }

  /** Opens the buffered descriptor (if not yet) and stops direct writes; both see one file. */
  async #toBuffered(): Promise<void> {
    this.#buffered ??= await open(this.path, 'r+');
    const direct = this.#direct;
    this.#direct = undefined;
    await direct?.close();
  }

  /** Bytes written so far. */
  get size(): number {
    return this.#position;
  }

  /** The descriptor for fsync and background syncs (either one: fsync flushes the whole file). */
  get handle(): FileHandle {
    return (this.#direct ?? this.#buffered) as FileHandle;
  }

  /** Makes the data and size durable. */
  async sync(): Promise<void> {
    await this.handle.sync();
  }

  async close(): Promise<void> {
    const handles = [this.#direct, this.#buffered];
    this.#direct = undefined;
    this.#buffered = undefined;
    for (const handle of handles) await handle?.close();
  }
}

/** statfs(2) magic numbers of file systems where direct writes are slower: NFS, SMB, CIFS, FUSE. */
const NETWORK_FILE_SYSTEMS = new Set([0x6969, 0xfe534d42, 0xff534d42, 0x65735546]);

/** Whether uploads into `dir` should be written around the page cache. */
export async function directWritesSuit(dir: string): Promise<boolean> {
  const { type } = await statfs(dir);
  return !NETWORK_FILE_SYSTEMS.has(type);
}
