// Recognises the S3 errors the S3 driver turns into contract behaviour: a missing object or
// multipart upload (a null stat, a BlobNotFoundError, a temp swept meanwhile), an
// unsatisfiable range (a RangeError), a bucket that is already ours. The AWS SDK names its
// errors after the S3 error code, but a HEAD has no body, so a missing object answers
// `NotFound`, and S3-compatible servers differ in small ways: the HTTP status is checked too.

/** The S3 error code (`NoSuchKey`, `InvalidRange`, …) or the SDK's name for the error. */
export function s3ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { Code, name } = error as { Code?: unknown; name?: unknown };
  if (typeof Code === 'string') return Code;
  return typeof name === 'string' ? name : undefined;
}

/** The HTTP status of the S3 response that failed, if there was one. */
export function s3HttpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** No object under the key (GET, HEAD, or the source of a copy). */
export function isNoSuchKey(error: unknown): boolean {
  const code = s3ErrorCode(error);
  return code === 'NoSuchKey' || code === 'NotFound' || (code !== 'NoSuchBucket' && code !== 'NoSuchUpload' && s3HttpStatus(error) === 404);
}

/** No multipart upload with that id (completed, aborted, or swept). */
export function isNoSuchUpload(error: unknown): boolean {
  return s3ErrorCode(error) === 'NoSuchUpload';
}

/** A GET whose range selects no byte of the object (HTTP 416). */
export function isInvalidRange(error: unknown): boolean {
  return s3ErrorCode(error) === 'InvalidRange' || s3HttpStatus(error) === 416;
}

/** HeadBucket of a bucket that does not exist. */
export function isNoSuchBucket(error: unknown): boolean {
  const code = s3ErrorCode(error);
  return code === 'NoSuchBucket' || code === 'NotFound' || s3HttpStatus(error) === 404;
}

/** CreateBucket of a bucket that this account already owns (a concurrent start). */
export function isBucketOwnedByUs(error: unknown): boolean {
  return s3ErrorCode(error) === 'BucketAlreadyOwnedByYou';
}

/** A single CopyObject refused because the source is too large for it (AWS: over 5 GiB). */
export function isCopyTooLarge(error: unknown): boolean {
  const code = s3ErrorCode(error);
  return code === 'EntityTooLarge' || (code === 'InvalidRequest' && /copy source is larger/i.test(String((error as Error).message)));
}
