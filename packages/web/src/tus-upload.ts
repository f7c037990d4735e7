/**
 * Resumable uploads from the browser: tus-js-client against the API's tus 1.0 endpoints
 * (`POST /api/images/{owner}/{name}/uploads`, then `HEAD`/`PATCH`/`DELETE /api/uploads/{id}`),
 * same origin, so the browser presents the user's certificate and the cross-site guard sees this
 * origin. tus-js-client keeps each unfinished upload's URL in localStorage under a fingerprint of
 * the file (name, type, size, last modified) and this image's endpoint: after a reload the same
 * file chosen again continues from the offset the server holds. No sha256 goes into
 * `Upload-Metadata`: the browser's crypto.subtle hashes only a whole buffer in memory (no
 * streaming), too much for multi-GiB images; the server hashes the bytes at the last one and the
 * page shows that checksum. Failures become `ApiError`s carrying the server's message.
 */
import { defaultOptions, Upload, type DetailedError, type PreviousUpload } from 'tus-js-client';
import { answerError, ApiError } from './api.js';

/**
 * Bytes per PATCH: each completed one is a point the server has confirmed (and fsynced), and a
 * cut one keeps its whole 1 MiB batches on the server anyway; larger chunks save requests.
 */
const CHUNK_BYTES = 16 * 1024 * 1024;

const storage = defaultOptions.urlStorage;

/** An upload of this image that a previous visit started and did not finish. */
export interface Unfinished {
  readonly previous: PreviousUpload;
  readonly filename: string;
  readonly size: number;
  /** The bytes the server holds. */
  readonly offset: number;
}

export interface UploadEvents {
  onProgress: (sent: number, total: number) => void;
  onSuccess: () => void;
  onError: (error: ApiError) => void;
}

function endpointOf(owner: string, name: string): string {
  return new URL(`/api/images/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/uploads`, location.href).href;
}

/** An upload of `file` to the image, not started yet. */
export function newUpload(owner: string, name: string, file: File, events: UploadEvents): Upload {
  return new Upload(file, {
    endpoint: endpointOf(owner, name),
    chunkSize: CHUNK_BYTES,
    metadata: { filename: file.name },
    removeFingerprintOnSuccess: true,
    onProgress: events.onProgress,
    onSuccess: events.onSuccess,
    onError: (error) => events.onError(uploadError(error)),
  });
}

/** The unfinished upload `upload`'s file would continue, if any is still on the server. */
export async function unfinishedOf(upload: Upload, unfinished: readonly Unfinished[]): Promise<Unfinished | undefined> {
  const keys = new Set((await upload.findPreviousUploads()).map((previous) => previous.urlStorageKey));
  return unfinished.find((candidate) => keys.has(candidate.previous.urlStorageKey));
}

/**
 * The unfinished uploads to this image stored in this browser, with the offsets the server holds;
 * those the server no longer has (finished elsewhere, cancelled, expired) are forgotten.
 */
export async function findUnfinished(owner: string, name: string): Promise<Unfinished[]> {
  const endpoint = endpointOf(owner, name);
  const mine = (await storage.findAllUploads()).filter((previous) => previous.urlStorageKey.includes(`-${endpoint}::`) && previous.uploadUrl !== null);
  const found = await Promise.all(
    mine.map(async (previous): Promise<Unfinished | undefined> => {
      const response = await fetch(previous.uploadUrl ?? '', { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' }, cache: 'no-store' }).catch(() => undefined);
      if (response === undefined) return undefined; // unreachable now: keep it for another visit
      if (!response.ok) {
        if (response.status === 404 || response.status === 410) await storage.removeUpload(previous.urlStorageKey);
        return undefined;
      }
      return { previous, filename: previous.metadata.filename ?? '', size: previous.size ?? 0, offset: Number(response.headers.get('upload-offset') ?? 0) };
    }),
  );
  return found.filter((entry) => entry !== undefined);
}

/** Removes an unfinished upload from the server (its bytes) and from this browser. */
export async function discardUnfinished(unfinished: Unfinished): Promise<void> {
  if (unfinished.previous.uploadUrl !== null) {
    await Upload.terminate(unfinished.previous.uploadUrl).catch((error: unknown) => {
      const converted = uploadError(error);
      if (converted.status !== 404) throw converted; // already gone is what was asked for
    });
  }
  await storage.removeUpload(unfinished.previous.urlStorageKey);
}

/** tus-js-client's error as the API's: the envelope's message, or what to do when cut. */
export function uploadError(error: unknown): ApiError {
  const response = (error as Partial<DetailedError>).originalResponse;
  if (response !== undefined && response !== null) return answerError(response.getStatus(), response.getBody());
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'NETWORK', 'the upload was cut: check your connection, then press Resume (the server keeps what it received)');
}
