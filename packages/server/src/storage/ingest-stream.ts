// The write loop every driver shares: take the source's chunks as they come, count each one
// (enforcing the size limit and abort signal at once), gather them into large batches, hash
// each batch and hand it to the driver's sink. TLS delivers 16 KiB chunks, and one disk write
// per chunk costs much of the upload throughput, so chunks are copied into a batch buffer of `batchBytes`
// (1 MiB by default) and a full batch is written while the next one fills. Two buffers
// alternate, so memory stays at 2 × batchBytes whatever the size of the upload; when both are
// busy the source is paused until the write in flight is done. The source is read in flowing
// mode ('data' events): per 16 KiB chunk that is one listener call, where a read()/'readable'
// loop cost a promise and eight listener changes. A chunk is used only during its 'data' call
// (the rest of one that fills both batches is copied), so a source may reuse its buffer (an
// HTTP body read straight from its socket, http/socket-body.ts). With `hashing`, batches live
// in shared memory and are hashed on a worker thread while the sink writes them (a batch is
// reused once both are done), so that the main thread only decrypts, parses and copies. An S3
// driver passes a sink that gathers batches into multipart parts.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BackgroundSha256 } from '@repoman/bytes';
import { BlobTooLargeError, UploadAbortedError } from './blob-errors.js';
import type { BufferPool } from './buffer-pool.js';
import type { BlobWriteOptions, BlobWriteResult, UploadSource } from './blob-store.js';

export const DEFAULT_BATCH_BYTES = 1024 * 1024;

export interface IngestOptions extends BlobWriteOptions {
  /** Size of every batch but the last (which is smaller, or absent if empty). Default 1 MiB. */
  readonly batchBytes?: number;
  /** Hash on this worker instead of the calling thread; batches then come from `buffers`. */
  readonly hashing?: { readonly worker: BackgroundSha256; readonly buffers: BufferPool } | undefined;
}

/**
 * Receives the next batch of bytes, in order, one call at a time. The buffer is reused once
 * the returned promise settles: copy it if you need it longer. A rejection stops the loop and
 * becomes ingestStream's rejection.
 */
export type BatchSink = (batch: Buffer) => Promise<void>;

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`an upload source must yield bytes, not ${typeof chunk}`);
}

/**
 * Streams `source` into `sink`; resolves once the last batch is written, with the size and
 * SHA-256 of everything taken. On any failure it stops taking chunks (the source is paused,
 * never destroyed), waits for the batch in flight to settle (so the caller may close its file
 * at once), and rejects; see BlobUpload.write for the errors. The source must not be read by
 * anyone else meanwhile.
 */
export function ingestStream(input: UploadSource, sink: BatchSink, opts: IngestOptions = {}): Promise<BlobWriteResult> {
  // An async iterable is read through a Readable of its own (Readable.from pulls it chunk by chunk).
  const source = input instanceof Readable ? input : Readable.from(input, { objectMode: false });
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  const batchBytes = opts.batchBytes ?? DEFAULT_BATCH_BYTES;
  if (!(maxBytes >= 0)) return Promise.reject(new RangeError(`maxBytes must be >= 0, got ${maxBytes}`));
  if (!Number.isSafeInteger(batchBytes) || batchBytes < 1) return Promise.reject(new RangeError(`invalid batchBytes ${batchBytes}`));
  const { signal } = opts;

  return new Promise<BlobWriteResult>((resolve, reject) => {
    const session = opts.hashing?.worker.session();
    const hash = session === undefined ? createHash('sha256') : undefined;
    const pool = opts.hashing?.buffers;
    if (pool !== undefined && pool.bufferBytes !== batchBytes) throw new RangeError('the batch pool holds buffers of another size');
    const allocate = (): Buffer => pool?.acquire() ?? Buffer.allocUnsafeSlow(batchBytes);
    let filling = allocate();
    let spare = allocate();
    let filled = 0;
    let size = 0;
    /** The sink call in flight, if any (one at a time, on `spare`). */
    let writing: Promise<void> | undefined;
    /** `filling` is full and must wait for `writing`; the rest of the chunk that filled it. */
    let stalled: { bytes: Uint8Array; offset: number } | undefined;
    let ended = false;
    let done = false;

    const finish = (outcome: { error: unknown } | { result: BlobWriteResult }): void => {
      if (done) return;
      done = true;
      if ('error' in outcome) session?.drop();
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (!source.readableEnded) source.pause();
      // A source destroyed with an error may emit 'error' on a later tick: a dead stream keeps
      // the no-op listener, or that error would crash the process.
      if (!source.destroyed) source.off('error', onError);
      const settled = writing?.catch(() => {}) ?? Promise.resolve();
      void settled.then(() => {
        if (pool !== undefined) {
          pool.release(filling);
          pool.release(spare);
        }
        if ('error' in outcome) reject(outcome.error);
        else resolve(outcome.result);
      });
    };

    const submit = (): void => {
      const batch = filling.subarray(0, filled);
      let call: Promise<void>;
      if (session === undefined) {
        hash?.update(batch);
        call = sink(batch);
      } else {
        // Settled only once both are: neither may still read the buffer when it is reused.
        const both = [sink(batch), session.update(filling.buffer as SharedArrayBuffer, filling.byteOffset, filled)];
        call = Promise.allSettled(both).then((outcomes) => {
          for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
        });
      }
      writing = call;
      [filling, spare] = [spare, filling];
      filled = 0;
      call.then(
        () => {
          writing = undefined;
          pump();
        },
        (error: unknown) => finish({ error }),
      );
    };

    /** Copies `bytes` from `offset` into batches, submitting each full one; stalls if both buffers are busy. */
    const absorb = (bytes: Uint8Array, offset: number): void => {
      while (offset < bytes.length || filled === batchBytes) {
        if (filled === batchBytes) {
          if (writing !== undefined) {
            // A copy: the source may reuse the chunk's memory once this call returns.
            stalled = { bytes: Buffer.from(bytes.subarray(offset)), offset: 0 };
            source.pause();
            return;
          }
          submit();
          continue;
        }
        const copied = Math.min(bytes.length - offset, batchBytes - filled);
        filling.set(copied === bytes.length ? bytes : bytes.subarray(offset, offset + copied), filled);
        filled += copied;
        offset += copied;
      }
    };

    /** Moves on after a write completed or the source ended. */
    const pump = (): void => {
      if (done || writing !== undefined) return;
      if (stalled !== undefined) {
        const { bytes, offset } = stalled;
        stalled = undefined;
        absorb(bytes, offset);
        if (stalled === undefined && !ended) source.resume();
        return;
      }
      if (!ended) return;
      if (filled > 0) submit();
      else if (hash !== undefined) finish({ result: { size, sha256: hash.digest('hex') } });
      else session?.digest().then((sha256) => finish({ result: { size, sha256 } }), (error: unknown) => finish({ error }));
    };

    function onData(chunk: unknown): void {
      if (done) return;
      let bytes: Uint8Array;
      try {
        bytes = asBytes(chunk);
      } catch (error) {
        return finish({ error });
      }
      if (size + bytes.length > maxBytes) return finish({ error: new BlobTooLargeError(maxBytes) });
      size += bytes.length;
      absorb(bytes, 0);
    }
    function onEnd(): void {
      ended = true;
      pump();
    }
    function onError(error: unknown): void {
      finish({ error: new UploadAbortedError('the upload source failed', { cause: error }) });
    }
    function onClose(): void {
      if (!ended) finish({ error: new UploadAbortedError('the upload source closed before its end') });
    }
    function onAbort(): void {
      finish({ error: new UploadAbortedError('upload aborted', { cause: signal?.reason }) });
    }

    source.on('error', onError);
    if (signal?.aborted === true) return onAbort();
    if (source.errored !== null) return onError(source.errored);
    if (source.destroyed && !source.readableEnded) return onClose();
    signal?.addEventListener('abort', onAbort);
    source.on('close', onClose);
    source.on('end', onEnd);
    source.on('data', onData);
    if (source.readableEnded) onEnd();
    else source.resume();
  });
}
