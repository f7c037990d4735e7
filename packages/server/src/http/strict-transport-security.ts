/**
 * The optional `Strict-Transport-Security` header (RFC 6797) of the HTTPS listener: with
 * `[server] hsts` set to a number of seconds, every HTTPS answer tells browsers to use only
 * HTTPS for this host that long. Off (0) by default, since a site that also serves public
 * images over plain HTTP, or shares its host name with other services, must opt in knowingly.
 */
import type { FastifyInstance } from 'fastify';

export function installStrictTransportSecurity(app: FastifyInstance, maxAgeSeconds: number): void {
  if (maxAgeSeconds <= 0) return;
  const value = `max-age=${maxAgeSeconds}`;
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('strict-transport-security', value);
    done();
  });
}
