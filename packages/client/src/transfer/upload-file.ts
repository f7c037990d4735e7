/**
 * Uploads a file as an image's bytes: `PUT /api/images/raw/[OWNER/]NAME`, the raw body
 * streamed from disk in 1 MiB reads, never buffered. The file is read twice: a first
 * streaming pass computes its sha256, sent ahead of the bytes as `Repr-Digest:
 * sha-256=:<base64>:` — so the server checks what it received before committing, refuses a
 * corrupted or changed upload with 422 and keeps the previous version. The server's answer is
 * checked too (its checksum and size must be the file's). Network errors and 5xx answers are
 * retried a bounded number of times, re-opening the file for each try.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { ChecksumMismatchError, NetworkError } from '../api/api-errors.js';
import type { ImageRecord } from '../api/api-types.js';
import { errorFrom, readBody, type HttpTransport } from '../api/http-transport.js';
import { rawImagePath, formatImageRef, type ImageRef } from '../api/image-ref.js';
import { withRetry, type RetryPolicy } from '../api/retry.js';
import { formatReprDigest } from './repr-digest.js';
import { sha256File } from './sha256-file.js';
import type { ProgressListener } from './transfer-progress.js';

export interface UploadOptions {
  readonly onProgress?: ProgressListener | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly retry?: RetryPolicy | undefined;
  /** The file's sha256 in hex, when the caller already knows it (skips the first pass). */
  readonly sha256?: string | undefined;
}

export interface UploadResult {
  readonly sha256: string;
  readonly size: number;
  /** The image record after the upload, when the server answered one. */
  readonly image: ImageRecord | undefined;
}

export async function uploadFile(transport: HttpTransport, ref: ImageRef, file: string, options: UploadOptions = {}): Promise<UploadResult> {
  const info = await stat(file);
  if (!info.isFile()) throw new TypeError(`${file} is not a regular file`);
  const size = info.size;
  const sha256 = options.sha256 ?? (await sha256File(file, { length: size, phase: 'checksum', onProgress: options.onProgress, signal: options.signal })).hex;

  const response = await withRetry(async () => {
    let sent = 0;
    const answer = await transport.send({
      method: 'PUT',
      path: rawImagePath(ref),
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(size),
        'repr-digest': formatReprDigest(sha256),
      },
      body: () => {
        const source = createReadStream(file, { highWaterMark: 1024 * 1024, start: 0, ...(size > 0 && { end: size - 1 }) });
        source.on('data', (chunk) => {
          sent += chunk.length;
          options.onProgress?.({ phase: 'upload', transferred: sent, total: size });
        });
        return source;
      },
      signal: options.signal,
    });
    if ((answer.statusCode ?? 0) >= 300) throw await errorFrom(answer);
    return answer;
  }, options.retry, options.signal);

  const image = await recordOf(response);
  const stated = image?.checksum?.value;
  if (stated !== undefined && stated.toLowerCase() !== sha256) {
    throw new ChecksumMismatchError(
      `the server stored ${formatImageRef(ref)} with sha256 ${stated}, but the file's is ${sha256}: upload it again`, sha256, stated,
    );
  }
  if (image && typeof image.size === 'number' && image.size !== size) {
    throw new NetworkError(`the server stored ${image.size} bytes of ${formatImageRef(ref)}, but the file has ${size}: upload it again`, undefined, false);
  }
  return { sha256, size, image };
}

async function recordOf(response: IncomingMessage): Promise<ImageRecord | undefined> {
  const body = (await readBody(response)).toString('utf8');
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' && 'name' in parsed ? (parsed as ImageRecord) : undefined;
  } catch {
    return undefined;
  }
}
