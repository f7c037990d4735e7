/**
 * Refuses state-changing requests that a browser sends on behalf of a page of another site.
 * Grid users import their certificate into the browser, which presents it to any site that
 * asks, cross-site too; since the API takes form-encoded bodies and `POST` for `PATCH`, a plain
 * HTML form on any site could otherwise make a victim's image public, share it or delete it.
 * Every method but GET, HEAD and OPTIONS is refused with 403 CROSS_SITE_REQUEST when the
 * browser says so: `Sec-Fetch-Site` is `cross-site` or `same-site` (another port or sub-domain
 * is another origin), or `Origin` is `null` or names another origin than this server's own
 * (the request's scheme and Host, or `server.public_url`). Clients that are not browsers (curl,
 * the 2011 and current clients) send neither header and are not affected.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RepomanError } from '../services/repoman-error.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function installCrossSiteGuard(app: FastifyInstance, deps: { publicUrl: string; plainHttp: boolean }): void {
  const configured = deps.publicUrl === '' ? null : originOf(deps.publicUrl);
  // A callback hook (a throw is fastify's error path too): no promise on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    if (SAFE_METHODS.has(request.method)) return done();
    const reason = crossSiteReason(request, configured, deps.plainHttp ? 'http' : 'https');
    if (reason !== null) {
      throw new RepomanError(
        'CROSS_SITE_REQUEST',
        `refused because ${reason}: a browser page of another site may not change anything here; ` +
          'use the repository’s own pages or a client that is not a browser (repoman, curl)',
      );
    }
    done();
  });
}

function crossSiteReason(request: FastifyRequest, configured: string | null, scheme: string): string | null {
  const fetchSite = header(request, 'sec-fetch-site');
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return `the browser marks this request Sec-Fetch-Site: ${fetchSite}`;
  const origin = header(request, 'origin');
  if (origin === undefined) return null;
  if (origin === 'null') return 'the request comes from an opaque origin (Origin: null)';
  const own = new Set([originOf(`${scheme}://${header(request, 'host') ?? ''}`), configured]);
  const from = originOf(origin);
  if (from === null || !own.has(from)) return `the request comes from a page of ${origin}, not of this server`;
  return null;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

/** scheme://host[:port] with the default port dropped, or null when `url` is not a URL. */
function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? null : parsed.origin;
  } catch {
    return null;
  }
}
