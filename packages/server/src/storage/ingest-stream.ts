// The write loop every driver shares: pull the source chunk by chunk, count and hash each
// chunk as it passes, enforce the size limit and abort signal, and hand the bytes to the
// driver's sink in large batches. TLS delivers 16 KiB chunks, and one disk write per chunk
// halves upload throughput, so chunks are copied into a batch buffer of `batchBytes` (1 MiB by
// default) and a full batch is flushed while the next one fills. Two buffers alternate, so
// memory stays at 2 × batchBytes whatever the size of the upload. An S3 driver passes a sink
// that gathers batches into multipart parts.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BlobTooLargeError } from './blob-errors.js';
import type { BlobWriteOptions, BlobWriteResult } from './blob-store.js';
import { pullChunk } from './pull-chunk.js';

export const DEFAULT_BATCH_BYTES = 1024 * 1024;

export interface IngestOptions extends BlobWriteOptions {
  /** Size of every batch but the last (which is smaller, or absent if empty). Default 1 MiB. */
  readonly batchBytes?: number;
}

/**
 * Receives the next batch of bytes, in order, one call at a time. The buffer is reused once
 * the returned promise settles: copy it if you need it longer. A rejection stops the loop and
 * becomes ingestStream's rejection.
 */
export type BatchSink = (batch: Buffer) => Promise<void>;

/**
 * Streams `source` into `sink`; resolves once the last batch is written, with the size and
 * SHA-256 of everything pulled. On any failure it stops pulling, waits for the batch in flight
 * to settle (so the caller may close its file at once), and rejects; see BlobUpload.write for
 * the errors. Never destroys the source.
 */
export async function ingestStream(source: Readable, sink: BatchSink, opts: IngestOptions = {}): Promise<BlobWriteResult> {
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  const batchBytes = opts.batchBytes ?? DEFAULT_BATCH_BYTES;
  if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be >= 0, got ${maxBytes}`);
  if (!Number.isSafeInteger(batchBytes) || batchBytes < 1) throw new RangeError(`invalid batchBytes ${batchBytes}`);

  const hash = createHash('sha256');
  let filling = Buffer.allocUnsafeSlow(batchBytes);
  let spare = Buffer.allocUnsafeSlow(batchBytes);
  let filled = 0;
  let size = 0;
  let inFlight: Promise<void> | undefined;

  const flush = async (): Promise<void> => {
    if (inFlight !== undefined) await inFlight;
    inFlight = sink(filling.subarray(0, filled));
    inFlight.catch(() => {}); // observed when awaited; avoid an unhandled rejection meanwhile
    [filling, spare] = [spare, filling];
    filled = 0;
  };

  const ignoreErrors = (): void => {};
  source.on('error', ignoreErrors); // pullChunk reads source.errored instead
  try {
    for (let chunk = await pullChunk(source, opts.signal); chunk !== null; chunk = await pullChunk(source, opts.signal)) {
      if (size + chunk.length > maxBytes) throw new BlobTooLargeError(maxBytes);
      size += chunk.length;
      hash.update(chunk);
      for (let offset = 0; offset < chunk.length; ) {
        const copied = Math.min(chunk.length - offset, batchBytes - filled);
        filling.set(chunk.subarray(offset, offset + copied), filled);
        filled += copied;
        offset += copied;
        if (filled === batchBytes) await flush();
      }
    }
    if (filled > 0) await flush();
    await inFlight;
    return { size, sha256: hash.digest('hex') };
  } finally {
    // A source destroyed with an error during our last read() emits 'error' on a later tick:
    // a dead stream keeps the no-op listener, or that error would crash the process.
    if (!source.destroyed) source.off('error', ignoreErrors);
    await inFlight?.catch(() => {});
  }
}
