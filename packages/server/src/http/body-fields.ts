/**
 * Reading the fields of a request body against a small per-route description (name → type,
 * required or not). Unknown fields answer 400 UNKNOWN_FIELD naming them all; missing or
 * mistyped fields 400 MALFORMED_BODY naming them all. JSON values must have the right type;
 * form-encoded values are text and are coerced: booleans from true/false/1/0/yes/no/on/off,
 * lists from repeated keys or a comma-separated value. Only described fields are copied out.
 */
import type { FastifyRequest } from 'fastify';
import { RepomanError } from '../services/repoman-error.js';
import { FORM_CONTENT_TYPE } from './body-parsers.js';

export type FieldType = 'string' | 'boolean' | 'string[]' | 'count';

export interface FieldSpec {
  readonly type: FieldType;
  readonly required?: boolean;
}

type ValueOf<T extends FieldType> = T extends 'string' ? string : T extends 'boolean' ? boolean : T extends 'count' ? number : readonly string[];

export type BodyOf<S extends Record<string, FieldSpec>> = {
  readonly [K in keyof S]: S[K]['required'] extends true ? ValueOf<S[K]['type']> : ValueOf<S[K]['type']> | undefined;
};

const EXPECTED: Readonly<Record<FieldType, string>> = {
  string: 'a string',
  boolean: 'a boolean',
  'string[]': 'a list of strings',
  count: 'a whole number >= 0',
};

export function readBody<const S extends Record<string, FieldSpec>>(request: FastifyRequest, spec: S): BodyOf<S> {
  const raw: unknown = request.body ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RepomanError('MALFORMED_BODY', 'the body must be a JSON object (or a form-encoded body)');
  }
  const form = (request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM_CONTENT_TYPE);
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !Object.hasOwn(spec, name));
  if (unknown.length > 0) {
    throw new RepomanError(
      'UNKNOWN_FIELD',
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; this request takes: ${Object.keys(spec).join(', ')}`,
    );
  }
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (value === undefined) {
      if (field.required) problems.push(`${name} is required`);
      continue;
    }
    const coerced = form ? fromForm(field.type, value) : fromJson(field.type, value);
    if (coerced === undefined) problems.push(`${name} must be ${EXPECTED[field.type]}`);
    else result[name] = coerced;
  }
  if (problems.length > 0) throw new RepomanError('MALFORMED_BODY', problems.join('; '));
  return result as BodyOf<S>;
}

function fromJson(type: FieldType, value: unknown): unknown {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
    case 'count':
      return Number.isSafeInteger(value) && (value as number) >= 0 ? value : undefined;
  }
}

function fromForm(type: FieldType, value: unknown): unknown {
  if (type === 'string[]') {
    const items = Array.isArray(value) ? value : String(value).split(',');
    return items.map((item: string) => item.trim()).filter((item: string) => item !== '');
  }
  if (typeof value !== 'string') return undefined;
  if (type === 'string') return value;
  if (type === 'count') return /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : undefined;
  const word = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  if (['false', '0', 'no', 'off'].includes(word)) return false;
  return undefined;
}
