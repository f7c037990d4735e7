/**
 * Resolves who is calling, first thing on every request (before the body is read): the
 * transport's `identify` gives the verified DN (or null), which `resolveCaller` turns into a
 * user or anonymous (or, for a VO member of an auto-registering group, a new user: logged);
 * a suspended user is refused here with 403, whatever the route. Anonymous
 * callers are refused (401, or 403 on plain HTTP) on every known route not marked
 * `config: { anonymous: true }`; unknown paths still answer 404. Resolved callers come from a
 * short cache (`services/caller-cache.ts`) that any account write through this server empties.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadataStores } from '../metadata/metadata-store.js';
import { requireUser } from '../services/access.js';
import { createCallerCache } from '../services/caller-cache.js';
import { resolveCaller, type Identity } from '../services/caller.js';

export type Identify = (request: FastifyRequest) => Promise<Identity | null>;

export function installCallerHook(
  app: FastifyInstance,
  deps: { metadata: Pick<MetadataStores, 'users' | 'groups' | 'accountWrites'>; identify: Identify; plainHttp: boolean },
): void {
  const callers = createCallerCache(deps.metadata.accountWrites);
  app.decorateRequest('identity', null);
  app.decorateRequest('caller', null as never);
  app.addHook('onRequest', async (request) => {
    request.identity = await deps.identify(request);
    const identity = request.identity;
    const resolve = () => resolveCaller(deps.metadata, identity, {
      plainHttp: deps.plainHttp,
      onRegistered: (user, fqans, groups) => request.log.info({ event: 'voms_auto_register', user: user.name, dn: user.clientDn, fqans, groups }, `${user.name} registered at first login by its VOMS attributes`),
    });
    request.caller = await (identity === null ? resolve() : callers.get(identity, resolve));
    if (!request.is404 && request.routeOptions.config.anonymous !== true) requireUser(request.caller);
  });
}
