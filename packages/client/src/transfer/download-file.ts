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
 *
 * The byte path is built for speed (a download must keep up with curl): the GET goes over its
 * own TLS connection whose body lands in one reused read buffer (the transport's `getBody`),
 * the bytes are gathered into 1 MiB shared batches that are written and, at the same time,
 * hashed on a background thread (shared-batches.ts, @repoman/bytes' BackgroundSha256). Nothing is allocated per chunk.
 * A file destination is written around the page cache (O_DIRECT, @repoman/bytes' DirectFile) and fsynced
 * before it is checked and renamed, and its directory after: a verified DEST is on the disk
 * before it has its name, and the name too once the command ends.
 */
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { ChecksumMismatchError, NetworkError, TransferAbortedError } from '../wire/api-errors.js';
import type { Image } from '@repoman/api';
import { apiErrorOf, toNetworkError, type HttpTransport, type ResponseHead } from '../transport/http-transport.js';
import { formatImageRef, rawImagePath, type ImageRef } from '../wire/image-ref.js';
import { withRetry, type RetryPolicy } from '../transport/retry.js';
import { BackgroundSha256, DirectFile } from '@repoman/bytes';
import { parseReprDigest } from './repr-digest.js';
import { SharedBatches } from './shared-batches.js';
import type { ProgressListener } from './transfer-progress.js';

export interface DownloadOptions {
  /** Continue a kept `DEST.part` (files only). */
  readonly resume?: boolean | undefined;
  /** A kept version instead of the current content (`?version=n`; its own ETag keeps a resume to it). */
  readonly version?: number | undefined;
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
  /** The sha256 of the bytes at the destination so far, kept on a background thread. */
  readonly hash: BackgroundSha256;
  etag: string | undefined;
  stated: string | undefined;
}

/** Runs `body` with a fresh background hash, closed afterwards. */
async function withTransfer<T>(body: (transfer: Transfer) => Promise<T>): Promise<T> {
  const transfer: Transfer = { offset: 0, hash: new BackgroundSha256(), etag: undefined, stated: undefined };
  try {
    return await body(transfer);
  } finally {
    await transfer.hash.close();
  }
}

/** Hashes the kept `.part` on the background thread; an abort stops waiting for it. */
async function hashKeptPart(transfer: Transfer, part: string, options: DownloadOptions): Promise<number> {
  options.onProgress?.({ phase: 'verify', transferred: 0, total: 0 }); // at once: the thread reports every 64 MiB
  const report = (bytes: number): void => options.onProgress?.({ phase: 'verify', transferred: bytes, total: 0 });
  const hashing = transfer.hash.updateFromFile(part, null, report).then((bytes) => {
    report(bytes);
    return bytes;
  });
  if (options.signal === undefined) return hashing;
  const { signal } = options;
  return new Promise<number>((resolve, reject) => {
    const onAbort = (): void => reject(new TransferAbortedError('interrupted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    hashing.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export async function downloadToFile(
  transport: HttpTransport, ref: ImageRef, image: Image, dest: string, options: DownloadOptions = {},
): Promise<DownloadResult> {
  return withTransfer((transfer) => downloadToFileWith(transfer, transport, ref, image, dest, options));
}

async function downloadToFileWith(
  transfer: Transfer, transport: HttpTransport, ref: ImageRef, image: Image, dest: string, options: DownloadOptions,
): Promise<DownloadResult> {
  const part = `${dest}.part`;
  const etagFile = `${part}.etag`;
  let handle: DirectFile | undefined;
  let resumedFrom = 0;
  try {
    if (options.resume) await adoptPartialDest(ref, image, dest, part);
    if (options.resume && (await sizeOf(part)) !== undefined) {
      transfer.etag = (await readFile(etagFile, 'utf8').catch(() => '')).trim() || undefined;
      handle = await DirectFile.openToAppend(part);
      transfer.offset = await hashKeptPart(transfer, part, options);
      // Writes continue where the hashed bytes end: directly if that is a whole number of blocks
      // (a kept .part normally ends on a batch), buffered otherwise.
      await handle.truncate(transfer.offset);
      resumedFrom = transfer.offset;
    } else {
      handle = await DirectFile.create(part);
    }
    const file = handle;
    const destination: Destination = {
      reset: () => file.truncate(0),
      write: (bytes) => file.append(bytes),
    };
    await fetchInto(transport, ref, image, transfer, destination, options, (etag) => writeFile(etagFile, `${etag}\n`));
    await file.sync(); // durable before it is verified and renamed
  } catch (error) {
    await handle?.close();
    if (error instanceof TransferAbortedError) throw new TransferAbortedError(`interrupted: kept ${part}; run the same command with --continue to resume`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      const what = code === 'ENOSPC' ? 'no space left on' : 'disk quota exceeded on';
      throw new LocalWriteError(error, `${what} ${dirname(dest)}; the partial download is kept in ${part}; free space and run the same command with --continue`);
    }
    throw error;
  }
  await handle.close();
  const sha256 = await transfer.hash.digest();
  const expected = expectedDigest(image, transfer);
  if (expected !== undefined && sha256 !== expected) {
    await rm(part, { force: true });
    await rm(etagFile, { force: true });
    throw mismatch(ref, expected, sha256, `removed ${part}; download it again`);
  }
  await rename(part, dest);
  await syncDirectory(dirname(dest));
  await rm(etagFile, { force: true });
  return { sha256, size: transfer.offset, resumedFrom };
}

/**
 * `--continue` with no `.part` but a DEST (cut short by another tool, or by an older client
 * that wrote DEST directly) resumes DEST in place, as `wget -c` and `curl -C -` do: it
 * becomes the `.part`, is completed, and must pass the sha256 check like any download. A DEST
 * larger than the image is no partial copy of it and is left alone.
 */
async function adoptPartialDest(ref: ImageRef, image: Image, dest: string, part: string): Promise<void> {
  if ((await sizeOf(part)) !== undefined) return;
  const size = await sizeOf(dest);
  if (size === undefined) return;
  if (typeof image.size === 'number' && size > image.size) {
    throw new Error(`${dest} has ${size} bytes, more than the ${image.size} of ${formatImageRef(ref)}: it is not a partial download of it; use --force (without --continue) to replace it`);
  }
  await rename(dest, part);
}

/** Makes a rename in `dir` durable; file systems that refuse fsync on a directory order metadata themselves. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => {});
  await handle?.close();
}

export async function downloadToStream(
  transport: HttpTransport, ref: ImageRef, image: Image, out: Writable, options: DownloadOptions = {},
): Promise<DownloadResult> {
  return withTransfer(async (transfer) => {
    const destination: Destination = {
      reset: async () => {
        if (transfer.offset > 0) throw new NetworkError(`${formatImageRef(ref)} changed on the server during the download: download it again`, undefined, false);
      },
      write: (bytes) => new Promise((resolve, reject) => {
        out.write(bytes, (error) => (error ? reject(error) : resolve()));
      }),
    };
    await fetchInto(transport, ref, image, transfer, destination, options, async () => undefined);
    const sha256 = await transfer.hash.digest();
    const expected = expectedDigest(image, transfer);
    if (expected !== undefined && sha256 !== expected) throw mismatch(ref, expected, sha256, 'do not use the bytes written');
    return { sha256, size: transfer.offset, resumedFrom: 0 };
  });
}

/** GETs the bytes from `transfer.offset` on into `destination`, retrying and resuming. */
async function fetchInto(
  transport: HttpTransport, ref: ImageRef, image: Image, transfer: Transfer, destination: Destination,
  options: DownloadOptions, keepEtag: (etag: string) => Promise<void>,
): Promise<void> {
  const total = image.size ?? 0;
  const path = options.version === undefined ? rawImagePath(ref) : `${rawImagePath(ref)}?version=${options.version}`;
  const url = transport.url(path);
  const fetchOnce = async (): Promise<void> => {
    if (total > 0 && transfer.offset === total) return; // a complete .part: only the check remains
    if (total > 0 && transfer.offset > total) await restart(transfer, destination);
    const headers: Record<string, string> = { accept: '*/*' };
    if (transfer.offset > 0) {
      headers.range = `bytes=${transfer.offset}-`;
      headers['if-range'] = transfer.etag ?? etagOf(image);
    }
    // Body bytes go to `sink` once the head is dealt with; until then they wait in `early`.
    let sink: ((bytes: Uint8Array) => boolean) | undefined;
    const early: Buffer[] = [];
    let onHead!: (head: ResponseHead) => void;
    const headArrived = new Promise<ResponseHead>((resolve) => (onHead = resolve));
    const get = transport.getBody({ path, headers, signal: options.signal }, {
      onHead,
      onBody: (bytes) => {
        if (sink !== undefined) return sink(bytes);
        early.push(Buffer.from(bytes));
        return false;
      },
    });
    const networkError = (error: unknown): Error =>
      options.signal?.aborted ? new TransferAbortedError('interrupted') : toNetworkError(error, url);
    const head = await Promise.race([headArrived, get.done.then(() => headArrived, (error: unknown) => {
      throw networkError(error);
    })]);
    const feed = (to: (bytes: Uint8Array) => boolean): void => {
      sink = to;
      for (const bytes of early.splice(0)) to(bytes);
      get.resume();
    };

    const status = head.status;
    if (status !== 200 && status !== 206) {
      let text = '';
      feed((bytes) => {
        if (text.length < 1024 * 1024) text += Buffer.from(bytes).toString('utf8');
        return true;
      });
      await get.done.catch(() => {});
      if (status === 416 && transfer.offset > 0) {
        await restart(transfer, destination);
        return fetchOnce();
      }
      throw apiErrorOf(status, head.statusMessage, text);
    }
    try {
      if (status === 200 && transfer.offset > 0) await restart(transfer, destination);
      if (status === 206) checkContentRange(head, transfer.offset);
      transfer.stated = parseReprDigest(head.headers['repr-digest']) ?? transfer.stated;
      const etag = head.headers.etag;
      if (etag) {
        transfer.etag = etag;
        await keepEtag(etag);
      }
    } catch (error) {
      get.abort(error as Error);
      throw error;
    }
    const expectedTotal = transfer.offset + Number(head.headers['content-length'] ?? Number.NaN);
    const write = (bytes: Buffer): Promise<void> => destination.write(bytes).catch((error: unknown) => {
      throw new LocalWriteError(error);
    });
    const batches = new SharedBatches(write, transfer.hash, (bytes) => {
      transfer.offset += bytes;
      options.onProgress?.({ phase: 'download', transferred: transfer.offset, total: Number.isFinite(expectedTotal) ? expectedTotal : total });
    });
    batches.onFree = () => {
      if (batches.failure === undefined) get.resume();
      else get.abort(new LocalWriteError(batches.failure));
    };
    feed((bytes) => {
      if (batches.failure !== undefined) {
        get.abort(new LocalWriteError(batches.failure));
        return false;
      }
      return batches.push(bytes);
    });
    try {
      await get.done;
    } catch (error) {
      await batches.settle(); // what is in flight lands; the offset is then where a retry resumes
      if (error instanceof LocalWriteError) throw writeFailure(error);
      if (batches.failure !== undefined) throw writeFailure(batches.failure);
      throw networkError(error);
    }
    try {
      await batches.finish();
    } catch (error) {
      throw writeFailure(error);
    }
    if (Number.isFinite(expectedTotal) && transfer.offset !== expectedTotal) {
      throw new NetworkError(`the connection broke after ${transfer.offset} of ${expectedTotal} bytes`, 'ECONNRESET', true);
    }
  };
  await withRetry(fetchOnce, options.retry, options.signal);
}

/** A failure to write where the bytes go (a full disk, a closed pipe): never retried. */
class LocalWriteError extends Error {
  constructor(override readonly cause: unknown, message?: string) {
    super(message ?? (cause instanceof Error ? cause.message : String(cause)));
  }
}

/**
 * The error the destination raised (ENOSPC…), under however many LocalWriteError wrappers the
 * paths to it added: the caller turns its code into a message.
 */
function writeFailure(error: unknown): unknown {
  let failure = error;
  while (failure instanceof LocalWriteError) failure = failure.cause;
  return failure;
}

async function restart(transfer: Transfer, destination: Destination): Promise<void> {
  await destination.reset();
  transfer.offset = 0;
  await transfer.hash.reset();
  transfer.etag = undefined;
}

function checkContentRange(head: ResponseHead, offset: number): void {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(head.headers['content-range'] ?? '');
  if (!match || Number(match[1]) !== offset) {
    throw new NetworkError(`the server answered a range that does not start at byte ${offset}`, undefined, false);
  }
}

/** The image's ETag as the server writes it (the quoted sha256), for `If-Range` when none was kept. */
function etagOf(image: Image): string {
  return `"${image.checksum?.value ?? ''}"`;
}

function expectedDigest(image: Image, transfer: Transfer): string | undefined {
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
