/**
 * The route table in the shape fastify's `schema` route option takes, for the server's request
 * validation: `params`, `querystring`, and `body` per content type (JSON, and the form-encoded
 * variant `formBody` derives). Answers are not included: fastify would serialize them through
 * their schemas and silently drop fields, which is the contract tests' job to catch instead.
 * `AJV_OPTIONS` are the validator settings these schemas assume: unknown fields refused (not
 * removed, fastify's default), no defaults filled in, query values coerced from text.
 */
import type { TSchema } from '@sinclair/typebox';
import { formBody } from './common.js';
import type { RouteDescriptor } from './routes.js';

export interface FastifyRouteSchema {
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  readonly body?: { readonly content: Readonly<Record<string, { readonly schema: TSchema }>> };
}

/** For `fastify({ ajv: { customOptions: AJV_OPTIONS } })`. */
export const AJV_OPTIONS = { removeAdditional: false, useDefaults: false, coerceTypes: 'array', allErrors: true } as const;

export function fastifySchema(route: RouteDescriptor): FastifyRouteSchema {
  const body = route.body;
  return {
    ...(route.params !== undefined && { params: route.params }),
    ...(route.query !== undefined && { querystring: route.query }),
    ...(body !== undefined &&
      body !== 'bytes' && {
        body: { content: { 'application/json': { schema: body }, 'application/x-www-form-urlencoded': { schema: formBody(body) } } },
      }),
  };
}
