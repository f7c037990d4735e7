// Turns an optional inclusive ByteRange into the exact first and last byte to read from a blob
// of known size, enforcing the edges the BlobStore contract promises: defaults to the whole
// blob, clamps an end past the last byte (as HTTP does), and throws RangeError for a range
// that selects nothing, which the HTTP layer should have answered with 416 beforehand.
import type { ByteRange } from './blob-store.js';

/** Inclusive bounds; `end` is start - 1 (an empty read) only for the whole of an empty blob. */
export interface ResolvedRange {
  readonly start: number;
  readonly end: number;
}

export function resolveByteRange(range: ByteRange | undefined, size: number): ResolvedRange {
  if (range === undefined || (range.start === undefined && range.end === undefined)) {
    return { start: 0, end: size - 1 };
  }
  const start = range.start ?? 0;
  const end = Math.min(range.end ?? size - 1, size - 1);
  if (!Number.isSafeInteger(start) || start < 0 || (range.end !== undefined && !Number.isSafeInteger(range.end))) {
    throw new RangeError(`invalid byte range ${JSON.stringify(range)}`);
  }
  if (start >= size || (range.end !== undefined && range.end < start)) {
    throw new RangeError(`byte range ${JSON.stringify(range)} selects nothing of a ${size}-byte blob`);
  }
  return { start, end };
}
