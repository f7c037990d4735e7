/**
 * One structured JSON log line per request, written when the response is finished: method,
 * path (without the query string), status, bytes sent (from Content-Length), the client's DN
 * (registered or not; null without a certificate) and the duration in milliseconds. Fastify's
 * own request logging is off, so this is the only per-request line. A request whose client
 * closed the connection before the response ended (Ctrl-C mid-upload or mid-download) gets
 * one info line "request aborted by the client" instead (method, path, DN). The token of a
 * download link is a secret: it is logged as `/api/links/…`.
 */
import type { FastifyInstance } from 'fastify';
import { isLinkUrl, LINK_PREFIX } from './link-url.js';

/** The path of a request URL as logged: no query string, no download-link token. */
function loggedPath(url: string): string {
  return isLinkUrl(url) ? `${LINK_PREFIX}…` : (url.split('?')[0] ?? url);
}

export function installRequestLog(app: FastifyInstance): void {
  // A client that gives up (Ctrl-C, a closed laptop) is ordinary: one info line, no error or stack.
  app.addHook('onRequestAbort', async (request) => {
    request.log.info(
      {
        method: request.method,
        path: loggedPath(request.url),
        dn: request.identity?.dn ?? null,
      },
      'request aborted by the client',
    );
  });
  app.addHook('onResponse', (request, reply, done) => {
    const length = reply.getHeader('content-length');
    request.log.info(requestLine(request.method, request.url, reply.statusCode, length, request.identity?.dn ?? null, reply.elapsedTime), 'request');
    done();
  });
}

/** The fields of a request's log line (also written by the fast path, `fast-answers.ts`), before its message "request". */
export function requestLine(method: string, url: string, status: number, length: unknown, dn: string | null, durationMs: number): Record<string, unknown> {
  return {
    method,
    path: loggedPath(url),
    status,
    bytes: length === undefined ? 0 : Number(length),
    dn,
    duration_ms: Math.round(durationMs * 1000) / 1000,
  };
}
