// The bytes of a committed blob as the filesystem driver serves them: a Readable over an open
// file and an inclusive byte range (so any consumer can pipe it, as the blob store contract
// says), plus sendTo(), the contract's optional fast path (BlobBody.sendTo) that the HTTP layer
// uses for downloads. sendTo() reads into two buffers taken from a shared BufferPool,
// alternately: one is being written to the response while the next is read from the file (a
// pread in libuv's thread pool), and a buffer is reused only after the write callback said its
// bytes have left. No buffer is allocated per chunk, so a download costs no garbage
// collection, and memory per download is two buffers, whatever the size of the image. The file is closed when the bytes end, on error, or on destroy().
import type { FileHandle } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import type { BlobBody } from '../blob-store.js';
import type { BufferPool } from '../buffer-pool.js';

export class FileBytes extends Readable implements BlobBody {
  #position: number;
  #closing: Promise<void> | undefined;
  #sending = false;

  constructor(
    private readonly file: FileHandle,
    /** First byte. */
    readonly start: number,
    /** Number of bytes from `start`. */
    readonly length: number,
    private readonly pool: BufferPool,
  ) {
    super({ highWaterMark: pool.bufferBytes });
    this.#position = start;
  }

  get #end(): number {
    return this.start + this.length;
  }

  override _read(size: number): void {
    const wanted = Math.min(Math.max(size, this.pool.bufferBytes), this.#end - this.#position);
    if (wanted <= 0) {
      this.push(null);
      return;
    }
    // Readable consumers keep the chunks they get: each read gets its own buffer.
    const buffer = Buffer.allocUnsafe(wanted);
    this.file.read(buffer, 0, wanted, this.#position).then(({ bytesRead }) => {
      if (bytesRead === 0) throw new Error(`the blob ended ${this.#end - this.#position} bytes early`);
      this.#position += bytesRead;
      this.push(bytesRead === wanted ? buffer : buffer.subarray(0, bytesRead));
    }).catch((error: unknown) => this.destroy(error as Error));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#close().then(() => callback(error), (closeError: unknown) => callback(error ?? (closeError as Error)));
  }

  #close(): Promise<void> {
    this.#closing ??= this.file.close();
    return this.#closing;
  }

  /**
   * Writes every byte to `out` (without ending it), then closes the file. Resolves once the
   * last write is accepted; rejects when `out` fails or closes first, or the file is shorter
   * than announced, or when `signal` aborts (the connection is gone while `out`, a pipelined
   * response still queued behind another, never hears of it). Use it instead of reading, never with it.
   */
  async sendTo(out: Writable, signal?: AbortSignal): Promise<void> {
    if (this.#sending || this.readableDidRead) throw new Error('sendTo() on a FileBytes already being read');
    this.#sending = true;
    const buffers = [this.pool.acquire(), this.pool.acquire()] as const;
    // A buffer whose write has not called back may still be read by the socket: never reuse it
    // before. Once sendTo() is over, the callback gives it back to the pool itself.
    const free = [true, true];
    let over = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const onError = (error: Error): void => {
      failure ??= error;
      wake?.();
    };
    const onClose = (): void => onError(new Error('the connection closed before the download ended'));
    const onAbort = (): void => onError(new Error('the connection closed before the download ended'));
    out.on('error', onError);
    out.on('close', onClose);
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted === true) onAbort();
    let reading: Promise<number> | undefined;
    try {
      for (let index = 0; this.#position < this.#end; index = 1 - index) {
        while (failure === undefined && !free[index]) await new Promise<void>((resolve) => (wake = resolve));
        if (failure !== undefined) throw failure;
        // While this buffer fills, the other one is being written.
        const buffer = buffers[index] as Buffer;
        reading = this.#readInto(buffer);
        const bytes = await reading;
        reading = undefined;
        if (failure !== undefined) throw failure;
        const current = index;
        free[current] = false;
        out.write(bytes === buffer.length ? buffer : buffer.subarray(0, bytes), (error) => {
          if (error) return; // the connection is gone: the buffer is simply dropped
          free[current] = true;
          if (over) this.pool.release(buffer);
          else wake?.();
        });
      }
    } finally {
      over = true;
      wake = undefined;
      out.off('error', onError);
      out.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      await reading?.catch(() => {}); // a read still filling a buffer: wait before reusing it
      buffers.forEach((buffer, i) => {
        if (free[i]) this.pool.release(buffer);
      });
      this.destroy();
    }
  }

  /** Reads the next chunk into `buffer` (from the pool) and advances the position. */
  async #readInto(buffer: Buffer): Promise<number> {
    const wanted = Math.min(buffer.length, this.#end - this.#position);
    const position = this.#position;
    this.#position += wanted;
    const { bytesRead } = await this.file.read(buffer, 0, wanted, position);
    if (bytesRead !== wanted) throw new Error(`the blob ended ${wanted - bytesRead} bytes early`);
    return bytesRead;
  }
}
