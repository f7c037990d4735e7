/**
 * Uploads a big file with the server's resumable uploads (tus 1.0, SPEC §3): `POST
 * …/uploads` creates the upload (its URL is kept in the state file at once), then normally
 * one PATCH sends the whole file, streamed from disk as a PUT is (file-sender.ts), with the
 * file's sha256 — hashed on a background thread while the bytes go — as an `Upload-Checksum`
 * trailer, so that the server verifies the bytes before it commits them. When the connection
 * breaks (or the server answers 5xx, or another PATCH still holds the upload: 409), it asks
 * with HEAD where the upload stands and sends the rest from there, a bounded number of times;
 * `resume` continues an upload of an earlier run (`upload-image --continue`) the same way.
 * The bytes of a cut PATCH were not covered by a checksum, so the image the server made is
 * always checked against the file's digest afterwards, as a PUT's is. The state entry goes
 * once the upload is complete.
 */
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Image } from '@repoman/api';
import { BackgroundSha256 } from '@repoman/bytes';
import { errorFrom, readBody, type HttpTransport } from '../transport/http-transport.js';
import { withRetry } from '../transport/retry.js';
import { ApiError, ChecksumMismatchError, InvalidValueError, NetworkError } from '../wire/api-errors.js';
import { formatImageRef, imagePath, type ImageRef } from '../wire/image-ref.js';
import { sendFile } from './file-sender.js';
import { UploadStateFile } from './upload-state.js';
import type { UploadOptions, UploadResult } from './upload-file.js';

/** Files of at least this size go through resumable uploads. */
export const RESUMABLE_MIN_BYTES = 64 * 1024 * 1024;

const TUS = { 'tus-resumable': '1.0.0' };
/** Tries of a PATCH in all: with the backoff (0.5 s doubling to 8 s), about half a minute to ride out a server restart. */
const RESUME_ATTEMPTS = 8;

export interface ResumableUploadOptions extends UploadOptions {
  /** Where the upload's URL is kept between runs. */
  readonly state: UploadStateFile;
  /** Continue the upload an earlier run left (its entry in `state`) instead of starting one. */
  readonly resume?: boolean | undefined;
}

/** No upload of this file to this image is left to continue. */
export class NothingToContinueError extends Error {
  override readonly name = 'NothingToContinueError';
}

export async function resumableUpload(transport: HttpTransport, ref: ImageRef, file: string, options: ResumableUploadOptions): Promise<UploadResult> {
  const info = await stat(file);
  if (!info.isFile()) throw new InvalidValueError(`${file} is not a regular file`);
  const { size, mtimeMs } = info;
  const key = UploadStateFile.keyOf(transport.baseUrl.origin + transport.baseUrl.pathname, formatImageRef(ref), file);
  let location: string | undefined;
  if (options.resume === true) {
    const entry = await options.state.get(key);
    if (entry === undefined || entry.size !== size || entry.mtimeMs !== mtimeMs) {
      throw new NothingToContinueError(`no interrupted upload of ${file} to ${formatImageRef(ref)} is left to continue${entry === undefined ? '' : ' (the file changed since)'}: upload it without --continue`);
    }
    location = entry.location;
  }

  const hasher = options.sha256 === undefined ? new BackgroundSha256() : undefined;
  const digest = options.sha256 !== undefined ? Promise.resolve(options.sha256)
    : (hasher as BackgroundSha256).updateFromFile(file, size).then(async (hashed) => {
      if (hashed !== size) throw new Error(`${file} changed size during the upload`);
      return (hasher as BackgroundSha256).digest();
    });
  digest.catch(() => {}); // awaited below; a failure also stops the first PATCH through its trailer
  try {
    if (location === undefined) {
      location = await create(transport, ref, file, size, options.signal);
      await options.state.set(key, { location, size, mtimeMs });
    }
    const upload = location;
    let known: number | undefined = options.resume === true ? undefined : 0;
    const retry = { ...options.retry, attempts: Math.max(RESUME_ATTEMPTS, options.retry?.attempts ?? 0) };
    await withRetry(async () => {
      const offset = known ?? (await offsetOf(transport, upload, options.signal));
      known = undefined; // after a failure, the server says where to go on
      if (offset === null) {
        // Gone: it finished (the answer to its last PATCH was lost) or expired; the image says which.
        if (await isStored(transport, ref, await digest)) return;
        throw new ApiError(404, 'UPLOAD_NOT_FOUND', `the upload of ${file} to ${formatImageRef(ref)} expired or was cancelled on the server: upload it again without --continue`);
      }
      await patch(transport, upload, file, size, offset, offset === 0 ? digest : undefined, options);
    }, retry, options.signal);
    await options.state.delete(key);
    const sha256 = await digest;
    const image = await withRetry(() => imageRecord(transport, ref), retry, options.signal);
    const stored = image?.checksum?.value;
    if (typeof stored === 'string' && stored.toLowerCase() !== sha256) {
      throw new ChecksumMismatchError(`the server stored ${formatImageRef(ref)} with sha256 ${stored}, but the file's is ${sha256}: upload it again`, sha256, stored);
    }
    return { sha256, size, image };
  } finally {
    await hasher?.close();
  }
}

/** POST …/uploads; the upload's path (Location). */
async function create(transport: HttpTransport, ref: ImageRef, file: string, size: number, signal: AbortSignal | undefined): Promise<string> {
  const name = Buffer.from(file.split('/').pop() ?? file).toString('base64');
  const response = await transport.send({
    method: 'POST', path: `${imagePath(ref)}/uploads`, headers: { ...TUS, 'upload-length': String(size), 'upload-metadata': `filename ${name}` }, signal,
  });
  if (response.statusCode !== 201) throw await errorFrom(response);
  response.resume();
  const location = response.headers.location;
  if (location === undefined) throw new NetworkError('the server created the upload but did not say where it is (no Location)', undefined, false);
  return new URL(location, transport.url('/')).pathname;
}

/** HEAD: the upload's offset, or null when the server no longer has it. */
async function offsetOf(transport: HttpTransport, location: string, signal: AbortSignal | undefined): Promise<number | null> {
  const response = await transport.send({ method: 'HEAD', path: location, headers: TUS, signal });
  response.resume();
  if (response.statusCode === 404) return null;
  if (response.statusCode !== 200) throw await errorFrom(response);
  return Number(response.headers['upload-offset']);
}

/** One PATCH of the file from `offset` to its end, with the whole file's digest as a trailer when it sends it all. */
async function patch(
  transport: HttpTransport, location: string, file: string, size: number, offset: number, digest: Promise<string> | undefined, options: UploadOptions,
): Promise<void> {
  const response: IncomingMessage = await transport.send({
    method: 'PATCH',
    path: location,
    headers: {
      ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset),
      ...(digest !== undefined && { trailer: 'Upload-Checksum' }),
    },
    sendBody: (out, stop) => sendFile(file, size, out, (sent) => options.onProgress?.({ phase: 'upload', transferred: offset + sent, total: size }), stop, offset),
    ...(digest !== undefined && { trailers: async () => ({ 'upload-checksum': `sha256 ${Buffer.from(await digest, 'hex').toString('base64')}` }) }),
    signal: options.signal,
  });
  if (response.statusCode === 204) {
    response.resume();
    return;
  }
  const error = await errorFrom(response);
  // Another PATCH (a cut one the server has not noticed yet) holds the upload, or the bytes were
  // damaged on the way: ask where it stands and try again.
  if (error.status === 409 || error.status === 460) throw new NetworkError(error.message, error.code, true, { cause: error });
  throw error;
}

/** Whether the image already holds the file's bytes (a last PATCH whose answer was lost). */
async function isStored(transport: HttpTransport, ref: ImageRef, sha256: string): Promise<boolean> {
  const image = await imageRecord(transport, ref);
  return image?.checksum?.value?.toLowerCase() === sha256;
}

/** The image's record (after an upload), shared with delta-upload.ts. */
export async function imageRecord(transport: HttpTransport, ref: ImageRef): Promise<Image | undefined> {
  const response = await transport.send({ method: 'GET', path: imagePath(ref) });
  if (response.statusCode !== 200) throw await errorFrom(response);
  return JSON.parse((await readBody(response)).toString('utf8')) as Image;
}
