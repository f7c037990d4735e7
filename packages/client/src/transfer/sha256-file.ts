/**
 * The sha256 of a file (or of its first `length` bytes), read as a stream in 1 MiB chunks
 * with constant memory, reporting progress: the library's way to know a file's digest
 * (`uploadImage` takes it as `sha256` to skip hashing). Transfers hash on a background thread
 * instead (@repoman/bytes' BackgroundSha256).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { TransferAbortedError } from '../wire/api-errors.js';
import type { ProgressListener, TransferPhase } from './transfer-progress.js';

export interface HashFileOptions {
  /** Hash only the first `length` bytes. */
  readonly length?: number;
  readonly phase?: TransferPhase;
  readonly onProgress?: ProgressListener | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Feeds the file into `hash` and answers the number of bytes read. */
export async function hashFileInto(hash: Hash, path: string, options: HashFileOptions = {}): Promise<number> {
  if (options.length === 0) return 0;
  const stream = createReadStream(path, {
    highWaterMark: 1024 * 1024,
    ...(options.length !== undefined && { end: options.length - 1 }),
    ...(options.signal && { signal: options.signal }),
  });
  let done = 0;
  const total = options.length ?? 0;
  try {
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      done += (chunk as Buffer).length;
      options.onProgress?.({ phase: options.phase ?? 'checksum', transferred: done, total });
    }
  } catch (error) {
    if (options.signal?.aborted) throw new TransferAbortedError('interrupted');
    throw error;
  }
  return done;
}

export async function sha256File(path: string, options: HashFileOptions = {}): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256');
  const size = await hashFileInto(hash, path, options);
  return { hex: hash.digest('hex'), size };
}
