/**
 * What part of an image a GET asks for (RFC 9110 §14): `Range: bytes=a-b | a- | -n`, a single
 * range only (a list of ranges, another unit, or bad syntax is ignored and the whole image is
 * sent, as the RFC allows), guarded by `If-Range` (an ETag, compared strongly, or the exact
 * Last-Modified date: when it does not match, the whole image is sent, so that a resumed
 * download never mixes two versions). A range that starts past the end is unsatisfiable (416).
 */

export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

export interface Representation {
  readonly size: number;
  /** The quoted strong ETag, e.g. `"abc…"`. */
  readonly etag: string;
  readonly lastModified: Date;
}

const FULL: RangeDecision = { kind: 'full' };

export function decideRange(range: string | undefined, ifRange: string | undefined, current: Representation): RangeDecision {
  if (range === undefined) return FULL;
  if (ifRange !== undefined && !ifRangeHolds(ifRange.trim(), current)) return FULL;
  return parseRange(range, current.size);
}

function ifRangeHolds(ifRange: string, current: Representation): boolean {
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange === current.etag;
  const date = Date.parse(ifRange);
  return Number.isFinite(date) && Math.floor(date / 1000) === Math.floor(current.lastModified.getTime() / 1000);
}

function parseRange(header: string, size: number): RangeDecision {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (match === null) return FULL;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return FULL;
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return FULL; // invalid: ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}
