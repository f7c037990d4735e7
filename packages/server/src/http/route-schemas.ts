/**
 * The route table of `@repoman/api` is the one description of every route: each route a route
 * file registers takes from its descriptor the request schemas fastify validates params, query
 * and body with (`fastifySchema`), and whether anonymous callers may use it. A route without a
 * descriptor stops the server at start-up, so the table, the OpenAPI document and the server
 * cannot drift. Bad input is then answered by the schema; `validation-errors.ts` turns
 * fastify's validation error back into the codes and messages of SPEC §3.
 */
import { fastifySchema, requestValidatorCompiler, ROUTES, type RouteDescriptor } from '@repoman/api';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { explainValidation } from './validation-errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's descriptor in `@repoman/api`'s table. */
    apiRoute?: RouteDescriptor;
  }
}

/** The descriptor of a registered route; HEAD routes fastify adds for GET share their GET's. */
export function descriptorOf(url: string, methods: readonly string[]): RouteDescriptor | undefined {
  return ROUTES.find(
    (route) =>
      route.url === url &&
      methods.every((method) => route.methods.includes(method as never) || (method === 'HEAD' && route.methods.includes('GET'))),
  );
}

export function installRouteSchemas(app: FastifyInstance): void {
  // Unknown fields refused (not removed, fastify's default); query and params coerced, bodies not.
  app.setValidatorCompiler(requestValidatorCompiler);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = [route.method].flat().map((method) => method.toUpperCase());
    const descriptor = descriptorOf(route.url, methods);
    if (descriptor === undefined) {
      throw new Error(`${methods.join(', ')} ${route.url} has no descriptor in ROUTES of @repoman/api: describe it there first`);
    }
    route.schema = { ...fastifySchema(descriptor) };
    route.config = { ...route.config, anonymous: descriptor.anonymous === true, apiRoute: descriptor };
  });
  // An empty metadata body is no body (a modify that changes nothing, a POST synonym): read as `{}`,
  // which lacks the required fields, if any (fastify checks no body without a content type).
  app.addHook('preValidation', (request, _reply, done) => {
    const body = request.body === undefined ? request.routeOptions.config.apiRoute?.body : undefined;
    if (typeof body !== 'object') return done();
    request.body = {};
    const missing = (body.required ?? []).map((name) => ({ keyword: 'required', instancePath: '', params: { missingProperty: name } }));
    if (missing.length > 0) throw explainValidation(request, { code: 'FST_ERR_VALIDATION', validation: missing, validationContext: 'body' });
    done();
  });
}
