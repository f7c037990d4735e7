/**
 * A Writable that gathers incoming chunks (16 KiB TLS records) into batches of 1 MiB, hands
 * each batch to a write function (a file, stdout), and hashes and counts the bytes only once
 * the write succeeded: after any failure, `onBytes` totals and the hash describe exactly what
 * reached the destination, so a download can resume from there. Batching matters: one write
 * per TLS record halves the throughput to a file.
 */
import type { Hash } from 'node:crypto';
import { Writable } from 'node:stream';

const BATCH_BYTES = 1024 * 1024;

export class HashingSink extends Writable {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly writeBytes: (bytes: Buffer) => Promise<void>,
    private readonly hash: Hash,
    private readonly onBytes: (bytes: number) => void,
  ) {
    super({ highWaterMark: BATCH_BYTES });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < BATCH_BYTES) {
      callback();
      return;
    }
    this.flush().then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush().then(() => callback(), callback);
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const batch = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await this.writeBytes(batch);
    this.hash.update(batch);
    this.onBytes(batch.length);
  }
}
