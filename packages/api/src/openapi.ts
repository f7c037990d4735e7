/**
 * The OpenAPI 3.1 document of the API, generated from the route table (`routes.ts`): one
 * operation per route and method (a synonym verb gets the operationId `<id>Via<Verb>`), its
 * path and query parameters, its body as JSON and as the form-encoded variant `formBody`
 * derives, its answers, and one error answer per status listing the route's codes. Records
 * used in many places go to `components.schemas` and are referenced. Identity is the client
 * certificate (a `mutualTLS` security scheme); anonymous routes make it optional.
 */
import type { TSchema } from '@sinclair/typebox';
import { formBody } from './common.js';
import { ERROR_STATUS, ErrorEnvelope, errorEnvelope, type ErrorCode } from './errors.js';
import { Group } from './groups.js';
import { Image, ImageChecksum } from './images.js';
import { ROUTES, routeErrors, type Answer, type RouteDescriptor } from './routes.js';
import { User, Whoami } from './users.js';

export interface OpenApiOptions {
  /** The API's version string in `info.version`; default "0.1.0". */
  readonly version?: string;
  /** The server's base URL (e.g. its `public_url`); no `servers` entry when absent. */
  readonly serverUrl?: string;
}

type Json = Record<string, unknown>;

/** Schemas named in `components.schemas`; identical schemas anywhere else become `$ref`s. */
const COMPONENTS: Readonly<Record<string, TSchema>> = { ImageChecksum, Image, User, Whoami, Group, Error: ErrorEnvelope };

const SECURITY_SCHEME = 'gridCertificate';

export function openApiDocument(options: OpenApiOptions = {}): Json {
  const refs = new Map(Object.entries(COMPONENTS).map(([name, schema]) => [JSON.stringify(schema), name]));
  const emit = (schema: TSchema): Json => withRefs(JSON.parse(JSON.stringify(schema)) as Json, refs, undefined);
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of ROUTES) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const item = (paths[path] ??= {});
    route.methods.forEach((method, index) => {
      const verb = method.charAt(0) + method.slice(1).toLowerCase();
      item[method.toLowerCase()] = operation(route, index === 0 ? route.id : `${route.id}Via${verb}`, emit);
    });
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Repoman',
      version: options.version ?? '0.1.0',
      summary: 'A repository for virtual-machine images, with grid X.509 identity',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    ...(options.serverUrl !== undefined && { servers: [{ url: options.serverUrl }] }),
    tags: [
      { name: 'service', description: 'health and metrics' },
      { name: 'users', description: 'user accounts' },
      { name: 'groups', description: 'groups, membership and permissions' },
      { name: 'images', description: 'image records, sharing and bytes' },
      { name: 'imagelists', description: 'HEPiX image lists, signed for grid cloud subscribers' },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(COMPONENTS).map(([name, schema]) => [name, withRefs(JSON.parse(JSON.stringify(schema)) as Json, refs, name)])),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'mutualTLS',
          description: 'A registered X.509 client certificate or an RFC 3820 grid proxy (grid-proxy-init, voms-proxy-init)',
        },
      },
    },
  };
}

function operation(route: RouteDescriptor, operationId: string, emit: (schema: TSchema) => Json): Json {
  const parameters = [
    ...Object.entries(route.params?.properties ?? {}).map(([name, schema]) => parameter(name, 'path', true, emit(schema))),
    ...Object.entries(route.query?.properties ?? {}).map(([name, schema]) =>
      parameter(name, 'query', route.query?.required?.includes(name) ?? false, emit(schema)),
    ),
  ];
  if (route.conditional === true) parameters.push(...preconditionHeaders(route));
  const responses: Record<string, Json> = {};
  for (const [status, answer] of Object.entries(route.responses)) responses[status] = response(answer, emit);
  for (const [status, codes] of errorsByStatus(routeErrors(route))) {
    responses[status] = {
      description: codes.join(', '),
      ...(status === '401' && { headers: { 'WWW-Authenticate': { description: CHALLENGE_DESCRIPTION, schema: { type: 'string' } } } }),
      content: { 'application/json': { schema: emit(errorEnvelope(codes)) } },
    };
  }
  return {
    operationId,
    summary: route.summary,
    tags: [route.tag],
    security: route.anonymous ? [{}, { [SECURITY_SCHEME]: [] }] : [{ [SECURITY_SCHEME]: [] }],
    ...(parameters.length > 0 && { parameters }),
    ...(route.body !== undefined && { requestBody: requestBody(route.body, emit, route.bytesType) }),
    responses,
  };
}

/** The challenge of every 401 (see docs/spec.md): there is no password; the credential is the TLS client certificate. */
const CHALLENGE_DESCRIPTION = 'Certificate realm="repoman": present a registered X.509 certificate or grid proxy in the TLS handshake';

/** The precondition headers a conditional route reads (RFC 9110 §13.1). */
function preconditionHeaders(route: RouteDescriptor): Json[] {
  const header = (name: string, description: string): Json => ({ name, in: 'header', required: false, description, schema: { type: 'string' } });
  const ifMatch = header('If-Match', 'ETags (strong comparison) or *: 412 unless the current one is listed');
  if (route.methods[0] === 'GET') return [header('If-None-Match', 'ETags (weak comparison) or *: 304 when the current one is listed'), ifMatch];
  return [ifMatch, header('If-Unmodified-Since', "an HTTP date: 412 when the record's modified time is later")];
}

function parameter(name: string, where: 'path' | 'query', required: boolean, schema: Json): Json {
  return { name, in: where, required, ...(typeof schema.description === 'string' && { description: schema.description }), schema };
}

function requestBody(body: Exclude<RouteDescriptor['body'], undefined>, emit: (schema: TSchema) => Json, bytesType = 'application/octet-stream'): Json {
  if (body === 'bytes') {
    return { required: true, content: { [bytesType]: { schema: { type: 'string', contentMediaType: bytesType } } } };
  }
  return {
    required: (body.required?.length ?? 0) > 0,
    content: {
      'application/json': { schema: emit(body) },
      'application/x-www-form-urlencoded': { schema: emit(formBody(body)) },
    },
  };
}

function response(answer: Answer, emit: (schema: TSchema) => Json): Json {
  const headers = Object.entries(answer.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }]);
  let content: Json | undefined;
  if (answer.schema !== undefined) content = { 'application/json': { schema: emit(answer.schema) } };
  else if (answer.contentType !== undefined) content = { [answer.contentType]: { schema: { type: 'string' } } };
  return {
    description: answer.description,
    ...(headers.length > 0 && { headers: Object.fromEntries(headers) }),
    ...(content !== undefined && { content }),
  };
}

function errorsByStatus(codes: readonly ErrorCode[]): [string, ErrorCode[]][] {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return [...byStatus.entries()].sort(([a], [b]) => a - b).map(([status, list]) => [String(status), list]);
}

/** Replaces every sub-schema equal to a named component by a reference to it (not the component itself). */
function withRefs(node: Json, refs: ReadonlyMap<string, string>, self: string | undefined): Json {
  const name = refs.get(JSON.stringify(node));
  if (name !== undefined && name !== self) return { $ref: `#/components/schemas/${name}` };
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) out[key] = value.map((item: unknown) => (isObject(item) ? withRefs(item, refs, undefined) : item));
    else out[key] = isObject(value) ? withRefs(value, refs, undefined) : value;
  }
  return out;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
