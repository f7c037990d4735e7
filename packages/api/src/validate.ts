/**
 * Checking an answer against the route table: `validateAnswer(route, status, body, {headers,
 * method})` says whether a status is one the route documents and whether the body (and the
 * documented headers) match it — an answer to HEAD has the headers of GET and no body; error answers must be the envelope with one of the route's codes of that
 * status. Contract tests run it on every answer they get, so the schemas cannot drift from the
 * server. `findRoute` names the descriptor of a concrete request, preferring literal segments
 * over parameters as the server's router does (`/api/images/raw/x` is the raw URL).
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { ERROR_STATUS, errorEnvelope } from './errors.js';
import { ROUTES, routeErrors, type Answer, type HttpMethod, type RouteDescriptor } from './routes.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addFormat('date-time', ISO_TIME);
ajv.addFormat('uuid', UUID);
ajv.addFormat('uri', { validate: (text: string) => URL.canParse(text) });

const compiled = new WeakMap<TSchema, ValidateFunction>();

function validatorOf(schema: TSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export interface AnswerCheck {
  readonly ok: boolean;
  /** What does not match, one line each; empty when ok. */
  readonly problems: readonly string[];
}

/** The route whose pattern matches `path` for `method` (HEAD also matches GET routes); undefined when none. */
export function findRoute(method: string, path: string): RouteDescriptor | undefined {
  const wanted = method.toUpperCase() as HttpMethod;
  const segments = (path.split('?')[0] ?? '').split('/');
  let best: { route: RouteDescriptor; literals: number } | undefined;
  for (const route of ROUTES) {
    if (!route.methods.includes(wanted) && !(wanted === 'HEAD' && route.methods.includes('GET'))) continue;
    const pattern = route.url.split('/');
    if (pattern.length !== segments.length) continue;
    if (!pattern.every((part, i) => part.startsWith(':') || part === segments[i])) continue;
    const literals = pattern.filter((part) => !part.startsWith(':')).length;
    if (best === undefined || literals > best.literals) best = { route, literals };
  }
  return best?.route;
}

/** The route with this id (an OpenAPI operationId without its method suffix); throws when none. */
export function routeById(id: string): RouteDescriptor {
  const route = ROUTES.find((candidate) => candidate.id === id);
  if (route === undefined) throw new Error(`no route has the id ${id}`);
  return route;
}

export interface AnswerContext {
  /** The answer's headers, names in lower case (as node gives them). */
  readonly headers?: Readonly<Record<string, unknown>>;
  /** The request's method; HEAD answers are checked for headers and an empty body only. */
  readonly method?: string;
}

export function validateAnswer(route: RouteDescriptor, status: number, body: unknown, context: AnswerContext = {}): AnswerCheck {
  const headers = context.headers ?? {};
  const head = context.method?.toUpperCase() === 'HEAD';
  const label = `${route.methods.join('|')} ${route.url} → ${status}`;
  const answer = answerOf(route, status);
  if (answer === undefined) return { ok: false, problems: [`${label}: this status is not documented for the route`] };
  const problems: string[] = [];
  for (const name of Object.keys(answer.headers ?? {})) {
    if (headers[name.toLowerCase()] === undefined) problems.push(`${label}: header ${name} is missing`);
  }
  const empty = body === undefined || body === '' || (Buffer.isBuffer(body) && body.length === 0);
  if (head) {
    if (!empty) problems.push(`${label}: an answer to HEAD has no body`);
  } else if (answer.schema !== undefined) {
    let value = body;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      try {
        value = JSON.parse(String(body));
      } catch {
        problems.push(`${label}: the body is not JSON`);
        return { ok: false, problems };
      }
    }
    const validate = validatorOf(answer.schema);
    if (!validate(value)) {
      for (const error of validate.errors ?? []) problems.push(`${label}: ${error.instancePath || '(body)'} ${error.message ?? 'is not valid'} ${JSON.stringify(error.params)}`);
    }
  } else if (answer.contentType === undefined && !empty) {
    problems.push(`${label}: this answer has no body, but one was sent`);
  }
  return { ok: problems.length === 0, problems };
}

/** The documented answer for a status: a success of the route, or the envelope of its error codes of that status. */
function answerOf(route: RouteDescriptor, status: number): Answer | undefined {
  const success = route.responses[status];
  if (success !== undefined) return success;
  const codes = errorCodesOf(route, status);
  return codes.length === 0 ? undefined : { description: 'error', schema: errorSchemaOf(route, status) };
}

function errorCodesOf(route: RouteDescriptor, status: number): ReturnType<typeof routeErrors> {
  return routeErrors(route).filter((code) => ERROR_STATUS[code] === status);
}

const errorSchemas = new Map<string, TSchema>();

function errorSchemaOf(route: RouteDescriptor, status: number): TSchema {
  const key = `${route.id} ${status}`;
  let schema = errorSchemas.get(key);
  if (schema === undefined) {
    schema = errorEnvelope(errorCodesOf(route, status));
    errorSchemas.set(key, schema);
  }
  return schema;
}
