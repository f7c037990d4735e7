/**
 * The query of an image listing as the handlers take it. The route table's schema (`ImageQuery`,
 * `PageQuery` of `@repoman/api`) has already refused unknown parameters and bad values and
 * coerced numbers; what is left is `shared`, which may still be one of the words
 * true/false/1/0/yes/no/on/off (or empty: `?shared` alone means true), turned into a boolean.
 */
import { booleanOfWord, type ImageFilter, type ImageQuery } from '@repoman/api';
import type { FastifyRequest } from 'fastify';

export function readQuery(request: FastifyRequest): ImageFilter {
  const { shared, ...query } = (request.query ?? {}) as ImageQuery;
  if (shared === undefined) return query;
  return { ...query, shared: typeof shared === 'boolean' ? shared : booleanOfWord(String(shared)) === true };
}
