/**
 * Where downloads through download links live, `/api/links/{token}`, for the few places outside
 * the link routes that must know a URL is one: the framework's own errors (a token too long for
 * the router still gets the link's one 404) and the request log (the token is a secret).
 */
export const LINK_PREFIX = '/api/links/';

/** Whether a request URL (or path) is a download through a link, whatever its token. */
export function isLinkUrl(url: string): boolean {
  return url.startsWith(LINK_PREFIX);
}
