/**
 * Downloads an image's bytes, streamed, never buffered, and verified: to a file through
 * `DEST.part` (renamed to DEST only once complete and verified, so DEST is never
 * half-written), or to any Writable (stdout). The sha256 is computed on the way and compared
 * with the one the server states for the bytes (`Repr-Digest`, else the image record's
 * checksum). On a mismatch the `.part` file is removed — it is known bad, and resuming from
 * it could never succeed — and `ChecksumMismatchError` is thrown.
 *
 * Resuming (`resume: true`) continues a kept `DEST.part`: its bytes are hashed again, then
 * asked for the rest with `Range: bytes=N-` and `If-Range: <ETag>`; the ETag of the version the
 * `.part` came from is kept beside it in `DEST.part.etag`, so that if the image was replaced
 * meanwhile the server sends the whole new version (200) and the download starts over cleanly.
 * Network errors and 5xx answers are retried a bounded number of times, each try resuming
 * where the bytes on disk end. An abort (Ctrl-C) keeps `DEST.part` and its `.etag` for
 * `--continue`.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { ChecksumMismatchError, NetworkError, TransferAbortedError } from '../api/api-errors.js';
import type { ImageRecord } from '../api/api-types.js';
import { errorFrom, toNetworkError, type HttpTransport } from '../api/http-transport.js';
import { formatImageRef, rawImagePath, type ImageRef } from '../api/image-ref.js';
import { withRetry, type RetryPolicy } from '../api/retry.js';
import { HashingSink } from './hashing-sink.js';
import { parseReprDigest } from './repr-digest.js';
import { hashFileInto } from './sha256-file.js';
import type { ProgressListener } from './transfer-progress.js';

export interface DownloadOptions {
  /** Continue a kept `DEST.part` (files only). */
  readonly resume?: boolean | undefined;
  readonly onProgress?: ProgressListener | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly retry?: RetryPolicy | undefined;
}

export interface DownloadResult {
  readonly sha256: string;
  readonly size: number;
  /** Bytes taken from a kept `.part` rather than fetched. */
  readonly resumedFrom: number;
}

/** Where the bytes go: append, or start over from zero (`reset`). */
interface Destination {
  reset(): Promise<void>;
  write(bytes: Buffer): Promise<void>;
}

interface Transfer {
  offset: number;
  hash: Hash;
  etag: string | undefined;
  stated: string | undefined;
}

export async function downloadToFile(
  transport: HttpTransport, ref: ImageRef, image: ImageRecord, dest: string, options: DownloadOptions = {},
): Promise<DownloadResult> {
  const part = `${dest}.part`;
  const etagFile = `${part}.etag`;
  const transfer: Transfer = { offset: 0, hash: createHash('sha256'), etag: undefined, stated: undefined };
  let handle: FileHandle | undefined;
  let resumedFrom = 0;
  try {
    if (options.resume && (await sizeOf(part)) !== undefined) {
      transfer.etag = (await readFile(etagFile, 'utf8').catch(() => '')).trim() || undefined;
      handle = await open(part, 'a');
      transfer.offset = await hashFileInto(transfer.hash, part, { phase: 'verify', onProgress: options.onProgress, signal: options.signal });
      await handle.truncate(transfer.offset);
      resumedFrom = transfer.offset;
    } else {
      handle = await open(part, 'w');
    }
    const file = handle;
    const destination: Destination = {
      reset: () => file.truncate(0),
      write: async (bytes) => {
        await file.write(bytes);
      },
    };
    await fetchInto(transport, ref, image, transfer, destination, options, (etag) => writeFile(etagFile, `${etag}\n`));
    await file.sync();
  } catch (error) {
    await handle?.close();
    if (error instanceof TransferAbortedError) throw new TransferAbortedError(`interrupted: kept ${part}; run the same command with --continue to resume`);
    throw error;
  }
  await handle.close();
  const sha256 = transfer.hash.digest('hex');
  const expected = expectedDigest(image, transfer);
  if (expected !== undefined && sha256 !== expected) {
    await rm(part, { force: true });
    await rm(etagFile, { force: true });
    throw mismatch(ref, expected, sha256, `removed ${part}; download it again`);
  }
  await rename(part, dest);
  await rm(etagFile, { force: true });
  return { sha256, size: transfer.offset, resumedFrom };
}

export async function downloadToStream(
  transport: HttpTransport, ref: ImageRef, image: ImageRecord, out: Writable, options: DownloadOptions = {},
): Promise<DownloadResult> {
  const transfer: Transfer = { offset: 0, hash: createHash('sha256'), etag: undefined, stated: undefined };
  const destination: Destination = {
    reset: async () => {
      if (transfer.offset > 0) throw new NetworkError(`${formatImageRef(ref)} changed on the server during the download: download it again`, undefined, false);
    },
    write: (bytes) => new Promise((resolve, reject) => {
      out.write(bytes, (error) => (error ? reject(error) : resolve()));
    }),
  };
  await fetchInto(transport, ref, image, transfer, destination, options, async () => undefined);
  const sha256 = transfer.hash.digest('hex');
  const expected = expectedDigest(image, transfer);
  if (expected !== undefined && sha256 !== expected) throw mismatch(ref, expected, sha256, 'do not use the bytes written');
  return { sha256, size: transfer.offset, resumedFrom: 0 };
}

/** GETs the bytes from `transfer.offset` on into `destination`, retrying and resuming. */
async function fetchInto(
  transport: HttpTransport, ref: ImageRef, image: ImageRecord, transfer: Transfer, destination: Destination,
  options: DownloadOptions, keepEtag: (etag: string) => Promise<void>,
): Promise<void> {
  const total = image.size ?? 0;
  const fetchOnce = async (): Promise<void> => {
    if (total > 0 && transfer.offset === total) return; // a complete .part: only the check remains
    if (total > 0 && transfer.offset > total) await restart(transfer, destination);
    const headers: Record<string, string> = { accept: '*/*' };
    if (transfer.offset > 0) {
      headers.range = `bytes=${transfer.offset}-`;
      headers['if-range'] = transfer.etag ?? etagOf(image);
    }
    const response = await transport.send({ method: 'GET', path: rawImagePath(ref), headers, signal: options.signal });
    const status = response.statusCode ?? 0;
    if (status === 416 && transfer.offset > 0) {
      response.resume();
      await restart(transfer, destination);
      return fetchOnce();
    }
    if (status !== 200 && status !== 206) throw await errorFrom(response);
    if (status === 200 && transfer.offset > 0) await restart(transfer, destination);
    if (status === 206) checkContentRange(response, transfer.offset);
    transfer.stated = parseReprDigest(response.headers['repr-digest']) ?? transfer.stated;
    const etag = response.headers.etag;
    if (etag) {
      transfer.etag = etag;
      await keepEtag(etag);
    }
    const expectedTotal = transfer.offset + Number(response.headers['content-length'] ?? Number.NaN);
    const write = (bytes: Buffer): Promise<void> => destination.write(bytes).catch((error: unknown) => {
      throw new LocalWriteError(error);
    });
    const sink = new HashingSink(write, transfer.hash, (bytes) => {
      transfer.offset += bytes;
      options.onProgress?.({ phase: 'download', transferred: transfer.offset, total: Number.isFinite(expectedTotal) ? expectedTotal : total });
    });
    try {
      await pipeline(response, sink);
    } catch (error) {
      if (options.signal?.aborted) throw new TransferAbortedError('interrupted');
      if (error instanceof LocalWriteError) throw error.cause;
      throw toNetworkError(error, transport.url(rawImagePath(ref)));
    }
    if (Number.isFinite(expectedTotal) && transfer.offset !== expectedTotal) {
      throw new NetworkError(`the connection broke after ${transfer.offset} of ${expectedTotal} bytes`, 'ECONNRESET', true);
    }
  };
  await withRetry(fetchOnce, options.retry, options.signal);
}

/** A failure to write where the bytes go (a full disk, a closed pipe): never retried. */
class LocalWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

async function restart(transfer: Transfer, destination: Destination): Promise<void> {
  await destination.reset();
  transfer.offset = 0;
  transfer.hash = createHash('sha256');
  transfer.etag = undefined;
}

function checkContentRange(response: IncomingMessage, offset: number): void {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers['content-range'] ?? '');
  if (!match || Number(match[1]) !== offset) {
    response.resume();
    throw new NetworkError(`the server answered a range that does not start at byte ${offset}`, undefined, false);
  }
}

/** The image's ETag as the server writes it (the quoted sha256), for `If-Range` when none was kept. */
function etagOf(image: ImageRecord): string {
  return `"${image.checksum?.value ?? ''}"`;
}

function expectedDigest(image: ImageRecord, transfer: Transfer): string | undefined {
  return (transfer.stated ?? image.checksum?.value)?.toLowerCase();
}

function mismatch(ref: ImageRef, expected: string, actual: string, advice: string): ChecksumMismatchError {
  return new ChecksumMismatchError(
    `the bytes received for ${formatImageRef(ref)} have sha256 ${actual}, not ${expected} as the server states: ${advice}`, expected, actual,
  );
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
