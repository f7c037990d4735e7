/**
 * Turns fastify's schema validation error (the route table's schemas, see `route-schemas.ts`)
 * back into the answers of SPEC §3 that clients rely on: an unknown field or query parameter is
 * 400 UNKNOWN_FIELD naming them all; a name that breaks the rules is 400 INVALID_NAME with the
 * domain's own message (`services/names.ts`), a group's VOMS pattern that is no FQAN 400
 * BAD_REQUEST with the domain's (`services/voms-fqans.ts`), a bad disk format or image minimum
 * 400 BAD_REQUEST with the domain's (`services/image-fields.ts`), an unknown permission 400
 * PERMISSION_NOT_FOUND; any other PATCH/POST/DELETE on `/api/images/raw/…` is 405; a missing
 * or mistyped body field is 400 MALFORMED_BODY, a mistyped query parameter or an over-long text
 * 400 BAD_REQUEST.
 */
import { ACCOUNT_NAME_PATTERN, FqanPattern, IMAGE_NAME_PATTERN, type RouteDescriptor } from '@repoman/api';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { checkPermission } from '../services/group-service.js';
import { checkAccountName, checkImageName } from '../services/names.js';
import { RepomanError } from '../services/repoman-error.js';
import { toImageFields, type ImageFieldsInput } from '../services/image-fields.js';
import { checkFqanPatterns } from '../services/voms-fqans.js';
import { imageRefOf, type ImageParams } from './image-ref.js';

/** The parts of an ajv error this mapping reads. */
interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

type Part = 'params' | 'body' | 'querystring';

const PART_SCHEMA: Readonly<Record<Part, (route: RouteDescriptor) => TSchema | undefined>> = {
  params: (route) => route.params,
  querystring: (route) => route.query,
  body: (route) => (typeof route.body === 'object' ? route.body : undefined),
};

export function fromValidation(request: FastifyRequest, part: string, errors: readonly SchemaError[]): RepomanError {
  const route = request.routeOptions.config.apiRoute;
  const schema = route !== undefined && part in PART_SCHEMA ? PART_SCHEMA[part as Part](route) : undefined;
  const properties = (schema?.properties ?? {}) as Record<string, TSchema>;
  const values = (part === 'params' ? request.params : part === 'body' ? request.body : request.query) as Record<string, unknown> | undefined;
  // `raw` as the owner of a metadata route: the raw URL with a wrong verb (405).
  if (part === 'params' && request.routeOptions.url?.startsWith('/api/images/raw/') !== true) imageRefOf(request.params as ImageParams, request.method);
  if (part === 'body' && errors.some((error) => error.instancePath === '' && error.keyword === 'type')) {
    return new RepomanError('MALFORMED_BODY', 'the body must be a JSON object (or a form-encoded body)');
  }

  const unknown = errors.filter((error) => error.keyword === 'additionalProperties').map((error) => String(error.params.additionalProperty));
  if (unknown.length > 0) {
    const what = part === 'querystring' ? 'query parameter' : 'field';
    return new RepomanError(
      'UNKNOWN_FIELD',
      `unknown ${what}${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; this request takes: ${Object.keys(properties).join(', ')}`,
    );
  }

  // Names first, with the domain's words; then every other problem, one per field.
  for (const error of errors) {
    const field = fieldOf(error);
    const value = valueAt(values, error.instancePath);
    if (typeof value === 'string') checkName(field, properties[field], value);
    if (part === 'body' && DOMAIN_CHECKED.has(field)) toImageFields({ [field]: value } as ImageFieldsInput);
  }
  const problems = new Map<string, string>();
  for (const error of errors) {
    const field = fieldOf(error);
    if (!problems.has(field) || error.keyword === 'anyOf') problems.set(field, phrase(field, error, properties[field], part === 'body'));
  }
  // Over-long texts are the domain's BAD_REQUEST (services/image-fields.ts); a body's other problems are its shape.
  const code = part === 'body' && errors.some((error) => error.keyword !== 'maxLength') ? 'MALFORMED_BODY' : 'BAD_REQUEST';
  return new RepomanError(code, [...problems.values()].join('; '));
}

function fieldOf(error: SchemaError): string {
  if (error.keyword === 'required') return String(error.params.missingProperty);
  return error.instancePath.split('/')[1] ?? '';
}

function valueAt(values: Record<string, unknown> | undefined, path: string): unknown {
  let value: unknown = values;
  for (const key of path.split('/').slice(1)) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** Image fields whose domain check says what is allowed better than the schema would (the formats, the minimums' units). */
const DOMAIN_CHECKED: ReadonlySet<string> = new Set(['disk_format', 'min_disk', 'min_ram']);

/** Throws the domain's error when `value` breaks the name (or FQAN pattern) rule its field's schema (or list items') carries. */
function checkName(field: string, schema: TSchema | undefined, value: string): void {
  if (field === 'permission' || field === 'permissions') checkPermission(value);
  const pattern = (schema?.pattern ?? (schema?.items as TSchema | undefined)?.pattern) as string | undefined;
  if (pattern === IMAGE_NAME_PATTERN) checkImageName(value);
  if (pattern === FqanPattern.pattern) checkFqanPatterns([value]);
  if (pattern === ACCOUNT_NAME_PATTERN) {
    // GroupName and UserName differ only in their descriptions; the group filter of GET /api/images names a group too.
    const group = /group/.test(`${String(schema?.description)} ${String((schema?.items as TSchema | undefined)?.description)}`);
    checkAccountName(group ? 'group' : 'user', value);
  }
}

function phrase(field: string, error: SchemaError, schema: TSchema | undefined, body: boolean): string {
  switch (error.keyword) {
    case 'required':
      return `${field} is required`;
    case 'minimum':
    case 'maximum':
      return `${field} must be ${body ? 'a whole number' : 'an integer'} ${bounds(schema)}`;
    case 'maxLength':
      return `${field} must be at most ${String(error.params.limit)} characters`;
    case 'type':
      if (body && error.params.type === 'integer') return `${field} must be a whole number ${bounds(schema)}`;
      return `${field} must be ${(body ? IN_BODY : IN_QUERY)[String(error.params.type)] ?? String(error.params.type)}`;
    case 'pattern': // the only patterns besides names and FQANs: booleans and integers as words (form bodies)
      if (schema?.type === 'integer') return `${field} must be a whole number ${bounds(schema)}`;
      return `${field} must be ${body ? 'a boolean' : 'true or false'}`;
    case 'anyOf': { // one of named values (sort=, format=); a list or one comma-separated value (form bodies); a boolean or its word (query)
      const choices = ((schema?.anyOf ?? []) as TSchema[]).map((choice) => choice.const as unknown);
      if (choices.length > 0 && choices.every((choice) => typeof choice === 'string')) return `${field} must be one of ${choices.join(', ')}`;
      return `${field} must be ${body ? 'a list of strings' : 'true or false'}`;
    }
    default:
      return `${field} ${error.message ?? 'is not valid'}`;
  }
}

const IN_BODY: Readonly<Record<string, string>> = { string: 'a string', boolean: 'a boolean', array: 'a list of strings' };

/** An integer field's bounds as its schema gives them: ">= 0", "from 0 to 2147483647". */
function bounds(schema: TSchema | undefined): string {
  return schema?.maximum === undefined ? `>= ${String(schema?.minimum)}` : `from ${String(schema.minimum)} to ${String(schema.maximum)}`;
}
const IN_QUERY: Readonly<Record<string, string>> = { string: 'a single value', boolean: 'true or false', integer: 'a non-negative integer' };

/** The error to answer for any error: fastify's validation error explained, others as they are. */
export function explainValidation(request: FastifyRequest, error: unknown): unknown {
  const validation = error as { code?: unknown; validation?: SchemaError[]; validationContext?: string } | null;
  if (validation?.code !== 'FST_ERR_VALIDATION' || validation.validation === undefined) return error;
  try {
    return fromValidation(request, validation.validationContext ?? '', validation.validation);
  } catch (explained) {
    return explained; // the domain's own error for a bad name (or the raw URL's 405)
  }
}
