// Byte sources and sinks for the storage tests. generatedSource() behaves like an HTTP request
// body: a byte-mode Readable delivering fresh 16 KiB chunks (as TLS does) that can fail, close
// early or stall at a chosen offset, and it counts what was pulled from it and hashes what it
// produced, so a test can stream gigabytes without holding them. digestOf() does the same on
// the reading side.
import { createHash, randomFillSync } from 'node:crypto';
import { Readable } from 'node:stream';

export interface GeneratedSourceOptions {
  /** Size of each chunk (default 16 KiB, a TLS record). */
  readonly chunkBytes?: number;
  /** After this many bytes, the stream is destroyed with an error (a reset connection). */
  readonly failAfterBytes?: number;
  /** After this many bytes, the stream is destroyed without error (Node's aborted request). */
  readonly closeAfterBytes?: number;
  /** After this many bytes, the stream produces nothing more and never ends (a stalled client). */
  readonly stallAfterBytes?: number;
  /** Called after each chunk is produced, with the total so far. */
  readonly onChunk?: (producedBytes: number) => void;
}

export interface GeneratedSource {
  readonly stream: Readable;
  /** Bytes handed to the stream so far. */
  producedBytes(): number;
  /** SHA-256 (hex) of the bytes produced so far; the whole content once the stream ended. */
  sha256(): string;
}

/** A stream of `totalBytes` random bytes (use Infinity for an endless one). */
export function generatedSource(totalBytes: number, opts: GeneratedSourceOptions = {}): GeneratedSource {
  const chunkBytes = opts.chunkBytes ?? 16 * 1024;
  const hash = createHash('sha256');
  let produced = 0;
  const stop = (limit: number | undefined): boolean => limit !== undefined && produced >= limit;

  const stream = new Readable({
    read() {
      if (stop(opts.failAfterBytes)) return void this.destroy(new Error('connection reset by peer'));
      if (stop(opts.closeAfterBytes)) return void this.destroy();
      if (stop(opts.stallAfterBytes)) return;
      if (produced >= totalBytes) return void this.push(null);
      const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(chunkBytes, totalBytes - produced)));
      produced += chunk.length;
      hash.update(chunk);
      opts.onChunk?.(produced);
      this.push(chunk);
    },
  });
  return {
    stream,
    producedBytes: () => produced,
    sha256: () => hash.copy().digest('hex'),
  };
}

/** A stream of exactly these bytes. */
export function sourceOf(content: string | Uint8Array): Readable {
  const bytes = Buffer.from(content);
  return Readable.from(bytes.length === 0 ? [] : [bytes], { objectMode: false });
}

export function sha256Of(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Size and SHA-256 of everything a stream yields, without keeping it. */
export async function digestOf(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Everything a (small) stream yields. */
export async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
