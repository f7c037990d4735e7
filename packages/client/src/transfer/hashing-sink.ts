/**
 * A Writable that hands each batch of chunks to a write function (a file, stdout) and hashes
 * and counts the bytes only once the write succeeded: after any failure, `bytes` and the hash
 * describe exactly what reached the destination, so a download can resume from there.
 * Incoming TLS chunks (16 KiB) are batched into writes of up to 1 MiB.
 */
import type { Hash } from 'node:crypto';
import { Writable } from 'node:stream';

export class HashingSink extends Writable {
  constructor(
    private readonly writeBytes: (bytes: Buffer) => Promise<void>,
    private readonly hash: Hash,
    private readonly onBytes: (bytes: number) => void,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const batch = chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((entry) => entry.chunk));
    this.writeBytes(batch).then(() => {
      this.hash.update(batch);
      this.onBytes(batch.length);
      callback();
    }, callback);
  }
}
