/**
 * The route table in the shape fastify's `schema` route option takes, for the server's request
 * validation: `params`, `querystring`, and `body` per content type (JSON, and the form-encoded
 * variant `formBody` derives). Answers are not included: fastify would serialize them through
 * their schemas and silently drop fields, which is the contract tests' job to catch instead.
 * `requestValidatorCompiler` validates them as these schemas assume: unknown fields refused (not
 * removed, fastify's default), no defaults filled in, params and query values coerced from text
 * (`AJV_OPTIONS`), bodies not.
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { formBody } from './common.js';
import type { RouteDescriptor } from './routes.js';

export interface FastifyRouteSchema {
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  readonly body?: { readonly content: Readonly<Record<string, { readonly schema: TSchema }>> };
}

/** The validator settings of params and query (text, coerced to the schemas' types). */
const AJV_OPTIONS = { removeAdditional: false, useDefaults: false, coerceTypes: 'array', allErrors: true } as const;

const textParts = new Ajv({ ...AJV_OPTIONS, strict: false });
// A JSON body is typed already: `{"user_name": 5}` is refused, not read as "5".
const bodies = new Ajv({ ...AJV_OPTIONS, coerceTypes: false, strict: false });

/**
 * For `app.setValidatorCompiler(requestValidatorCompiler)`: params and query are text, coerced to
 * the schema's numbers and booleans (`AJV_OPTIONS`); bodies are checked as they are.
 */
export function requestValidatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }): ValidateFunction {
  return (httpPart === 'body' ? bodies : textParts).compile(schema);
}

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
