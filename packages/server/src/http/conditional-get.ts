/**
 * Conditional GET/HEAD of image bytes (RFC 9110 §13): `If-None-Match` (a list of ETags, weak
 * comparison, or `*`) and, only when that header is absent, `If-Modified-Since`. True means
 * the client's copy is current and the answer is 304 Not Modified.
 */

export function isNotModified(
  headers: { readonly 'if-none-match'?: string | undefined; readonly 'if-modified-since'?: string | undefined },
  etag: string,
  lastModified: Date,
): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const wanted = opaque(etag);
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag.trim()) === wanted);
  }
  const since = headers['if-modified-since'];
  if (since === undefined) return false;
  const date = Date.parse(since);
  return Number.isFinite(date) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(date / 1000);
}

/** The opaque part of an entity tag, for weak comparison (`W/"x"` equals `"x"`). */
function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
