// The storage errors a caller is expected to handle, each with a stable `code`. They say what
// went wrong with the blob or the incoming bytes, not with the storage itself: the HTTP layer
// maps them to 404 (BlobNotFoundError), 413 (BlobTooLargeError), 400 (UploadAbortedError)
// and 503 (UploadNotReadyError).
// Failures of the storage itself (disk full, I/O error, network) are left as the driver's own
// errors; the HTTP layer recognises the full and unreachable ones by their codes (507, 503, see
// http/fault-envelope.ts), anything else is a 500.

/** Base of the storage errors; `code` is stable, `message` is for humans. */
export abstract class BlobStoreError extends Error {
  abstract readonly code: string;
}

/** There is no committed blob under the key. */
export class BlobNotFoundError extends BlobStoreError {
  readonly code = 'BLOB_NOT_FOUND';
  override readonly name = 'BlobNotFoundError';

  constructor(readonly key: string) {
    super(`no blob under key ${JSON.stringify(key)}`);
  }
}

/** More bytes arrived than the upload allowed; reading stopped at that point. */
export class BlobTooLargeError extends BlobStoreError {
  readonly code = 'BLOB_TOO_LARGE';
  override readonly name = 'BlobTooLargeError';

  constructor(readonly maxBytes: number) {
    super(`upload exceeds the limit of ${maxBytes} bytes`);
  }
}

/** The upload stopped before its end: the source failed or closed early, or it was aborted. */
export class UploadAbortedError extends BlobStoreError {
  readonly code = 'UPLOAD_ABORTED';
  override readonly name = 'UploadAbortedError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A resumable upload holds another number of bytes than the offset an append was given. */
export class OffsetMismatchError extends BlobStoreError {
  readonly code = 'OFFSET_MISMATCH';
  override readonly name = 'OffsetMismatchError';

  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the upload holds ${actual} bytes, not ${expected}`);
  }
}

/** The bytes of an append do not have the digest the caller announced; they were undone. */
export class AppendDigestError extends BlobStoreError {
  readonly code = 'APPEND_DIGEST_MISMATCH';
  override readonly name = 'AppendDigestError';

  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the appended bytes have sha256 ${actual}, not ${expected}`);
  }
}

/**
 * A write into an upload based on a blob that does not cover whole blocks: a store whose
 * stored bytes are a list of blocks (S3: one multipart part per block) replaces a block only
 * whole, so a write starts on a block boundary and ends on one or at the upload's end.
 */
export class BlockBoundaryError extends BlobStoreError {
  readonly code = 'BLOCK_BOUNDARY';
  override readonly name = 'BlockBoundaryError';

  constructor(readonly blockBytes: number) {
    super(`this store replaces whole blocks of ${blockBytes} bytes: a write starts on a block boundary and ends on one or at the upload's end`);
  }
}

/** The store cannot make this upload the way it was asked (S3: a delta upload of more blocks than parts). */
export class UnsupportedUploadError extends BlobStoreError {
  readonly code = 'UNSUPPORTED_UPLOAD';
  override readonly name = 'UnsupportedUploadError';
}

/** The store is still preparing this upload (copying the blob it is based on): try again shortly. */
export class UploadNotReadyError extends BlobStoreError {
  readonly code = 'UPLOAD_NOT_READY';
  override readonly name = 'UploadNotReadyError';
}
