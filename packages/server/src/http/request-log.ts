/**
 * One structured JSON log line per request, written when the response is finished: method,
 * path (without the query string), status, bytes sent (from Content-Length), the client's DN
 * (registered or not; null without a certificate) and the duration in milliseconds. Fastify's
 * own request logging is off, so this is the only per-request line.
 */
import type { FastifyInstance } from 'fastify';

export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const length = reply.getHeader('content-length');
    request.log.info(
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        bytes: length === undefined ? 0 : Number(length),
        dn: request.identity?.dn ?? null,
        duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
      },
      'request',
    );
  });
}
