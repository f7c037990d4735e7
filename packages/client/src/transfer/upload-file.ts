/**
 * Uploads a file as an image's bytes: `PUT /api/images/raw/[OWNER/]NAME`, the raw body
 * streamed from disk from two reused 1 MiB buffers (file-sender.ts), chunked, never buffered.
 * The file's sha256 is computed at the same time on a background thread, from its own reading
 * of the file, and sent after the bytes as a `Repr-Digest: sha-256=:<base64>:` trailer — so the
 * server checks what it received before committing, and refuses with 422 (keeping the previous
 * version) bytes that differ from the file's, e.g. a file changed during the upload. Hashing
 * no longer delays the upload (it used to be a first pass over the whole file: docs/performance.md).
 * The server's answer is checked too (its checksum and size must be the file's). Network
 * errors and 5xx answers are retried a bounded number of times, re-reading the file.
 */
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { ChecksumMismatchError, InvalidValueError, NetworkError } from '../wire/api-errors.js';
import type { Image } from '@repoman/api';
import { errorFrom, readBody, type HttpTransport } from '../transport/http-transport.js';
import { rawImagePath, formatImageRef, type ImageRef } from '../wire/image-ref.js';
import { withRetry, type RetryPolicy } from '../transport/retry.js';
import { BackgroundSha256 } from '@repoman/bytes';
import { sendFile } from './file-sender.js';
import { formatReprDigest } from './repr-digest.js';
import type { ProgressListener } from './transfer-progress.js';

/** Errors of a connection the server closed while the body was being sent. */
const CLOSED_MID_BODY = new Set(['EPIPE', 'ECONNRESET']);
/** How long a second try waits for the server's early answer before sending the body. */
const ANSWER_FIRST_MS = 1000;

export interface UploadOptions {
  readonly onProgress?: ProgressListener | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly retry?: RetryPolicy | undefined;
  /** The file's sha256 in hex, when the caller already knows it (no hashing then). */
  readonly sha256?: string | undefined;
}

export interface UploadResult {
  readonly sha256: string;
  readonly size: number;
  /** The image record after the upload, when the server answered one. */
  readonly image: Image | undefined;
}

export async function uploadFile(transport: HttpTransport, ref: ImageRef, file: string, options: UploadOptions = {}): Promise<UploadResult> {
  const info = await stat(file);
  if (!info.isFile()) throw new InvalidValueError(`${file} is not a regular file`);
  const size = info.size;
  const hasher = options.sha256 === undefined ? new BackgroundSha256() : undefined;
  // Hashed once, while the first attempt sends; retries reuse it.
  const digest = options.sha256 !== undefined ? Promise.resolve(options.sha256)
    : (hasher as BackgroundSha256).updateFromFile(file, size).then(async (hashed) => {
      if (hashed !== size) throw new Error(`${file} changed size during the upload`);
      return (hasher as BackgroundSha256).digest();
    });
  digest.catch(() => {}); // awaited below; a failure also stops the request through its trailer
  let sha256: string;
  let response: IncomingMessage;
  try {
    const put = (answerFirstMs?: number): Promise<IncomingMessage> => transport.send({
      method: 'PUT',
      path: rawImagePath(ref),
      headers: { 'content-type': 'application/octet-stream', trailer: 'Repr-Digest' },
      sendBody: (out, stop) => sendFile(file, size, out, (sent) => options.onProgress?.({ phase: 'upload', transferred: sent, total: size }), stop),
      trailers: async () => ({ 'repr-digest': formatReprDigest(await digest) }),
      signal: options.signal,
      ...(answerFirstMs !== undefined && { answerFirstMs }),
    });
    response = await withRetry(async () => {
      let answer: IncomingMessage;
      try {
        answer = await put();
      } catch (error) {
        // A server that refuses an upload answers at once and closes; when the connection
        // broke before its answer was read, ask again, waiting for that answer before sending.
        if (!(error instanceof NetworkError) || !CLOSED_MID_BODY.has(error.code ?? '')) throw error;
        answer = await put(ANSWER_FIRST_MS);
      }
      if ((answer.statusCode ?? 0) >= 300) throw await errorFrom(answer);
      return answer;
    }, options.retry, options.signal);
    sha256 = await digest;
  } finally {
    await hasher?.close();
  }

  const image = await recordOf(response);
  const stated = image?.checksum?.value;
  if (typeof stated === 'string' && stated.toLowerCase() !== sha256) {
    throw new ChecksumMismatchError(
      `the server stored ${formatImageRef(ref)} with sha256 ${stated}, but the file's is ${sha256}: upload it again`, sha256, stated,
    );
  }
  if (image && typeof image.size === 'number' && image.size !== size) {
    throw new NetworkError(`the server stored ${image.size} bytes of ${formatImageRef(ref)}, but the file has ${size}: upload it again`, undefined, false);
  }
  return { sha256, size, image };
}

async function recordOf(response: IncomingMessage): Promise<Image | undefined> {
  const body = (await readBody(response)).toString('utf8');
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' && 'name' in parsed ? (parsed as Image) : undefined;
  } catch {
    return undefined;
  }
}
