/**
 * Reading query-string parameters against a small per-route description, like `body-fields.ts`
 * does for bodies: unknown parameters answer 400 UNKNOWN_FIELD naming them all; a parameter
 * given twice or of the wrong type (booleans true/false/1/0/yes/no, or the bare name for true; non-negative integers)
 * 400 BAD_REQUEST naming them all.
 */
import type { FastifyRequest } from 'fastify';
import { RepomanError } from '../services/repoman-error.js';

export type QueryType = 'string' | 'boolean' | 'integer';

type ValueOf<T extends QueryType> = T extends 'string' ? string : T extends 'boolean' ? boolean : number;

export type QueryOf<S extends Record<string, QueryType>> = { readonly [K in keyof S]: ValueOf<S[K]> | undefined };

const EXPECTED: Readonly<Record<QueryType, string>> = {
  string: 'a single value',
  boolean: 'true or false',
  integer: 'a non-negative integer',
};

export function readQuery<const S extends Record<string, QueryType>>(request: FastifyRequest, spec: S): QueryOf<S> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(query).filter((name) => !Object.hasOwn(spec, name));
  if (unknown.length > 0) {
    throw new RepomanError(
      'UNKNOWN_FIELD',
      `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; this request takes: ${Object.keys(spec).join(', ')}`,
    );
  }
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(spec)) {
    const value = query[name];
    if (value === undefined) continue;
    const coerced = typeof value === 'string' ? coerce(type, value) : undefined;
    if (coerced === undefined) problems.push(`${name} must be ${EXPECTED[type]}`);
    else result[name] = coerced;
  }
  if (problems.length > 0) throw new RepomanError('BAD_REQUEST', problems.join('; '));
  return result as QueryOf<S>;
}

function coerce(type: QueryType, value: string): unknown {
  if (type === 'string') return value;
  if (type === 'integer') return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
  const word = value.trim().toLowerCase();
  if (word === '') return true; // `?shared` alone
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  if (['false', '0', 'no', 'off'].includes(word)) return false;
  return undefined;
}
