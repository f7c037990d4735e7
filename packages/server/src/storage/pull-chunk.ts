// Pulls the next chunk from a Readable it does not own, so that a blob writer can stop reading
// at any moment (limit exceeded, abort signal, storage failure) without destroying the
// caller's stream: an HTTP handler must still be able to answer 413 on the same request.
// A `for await` loop cannot do that (leaving it destroys the stream, and it cannot be
// interrupted while the source stalls), hence this small paused-mode reader.
import type { Readable } from 'node:stream';
import { UploadAbortedError } from './blob-errors.js';

/**
 * The next chunk of `source`, or null at its end. Rejects with UploadAbortedError when the
 * source has failed or closed before its end, or when `signal` aborts (even while waiting).
 * The caller must keep an 'error' listener on the source while pulling (ingestStream does).
 */
export async function pullChunk(source: Readable, signal: AbortSignal | undefined): Promise<Uint8Array | null> {
  for (;;) {
    if (signal?.aborted === true) throw new UploadAbortedError('upload aborted', { cause: signal.reason });
    if (source.errored !== null) throw new UploadAbortedError('the upload source failed', { cause: source.errored });
    const chunk: unknown = source.read();
    if (chunk !== null) return asBytes(chunk);
    // read() may have run the source's _read(), which may have failed it just now.
    if (source.errored !== null) throw new UploadAbortedError('the upload source failed', { cause: source.errored });
    if (source.readableEnded) return null;
    if (source.destroyed) throw new UploadAbortedError('the upload source closed before its end');
    await nextEvent(source, signal);
  }
}

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`an upload source must yield bytes, not ${typeof chunk}`);
}

/** Resolves on the source's next 'readable', 'end', 'error' or 'close', or on abort. */
function nextEvent(source: Readable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const events = ['readable', 'end', 'error', 'close'] as const;
    const wake = (): void => {
      for (const event of events) source.off(event, wake);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    for (const event of events) source.on(event, wake);
    signal?.addEventListener('abort', wake);
  });
}
