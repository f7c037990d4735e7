/**
 * The query of an image listing as the handlers take it. The route table's schema (`ImageQuery`,
 * `PageQuery` of `@repoman/api`) has already refused unknown parameters and bad values and
 * coerced numbers; what is left is `shared` and `public`, which may still be one of the words
 * true/false/1/0/yes/no/on/off (or empty: `?shared` alone means true), turned into booleans.
 */
import { booleanOfWord, type ImageFilter, type ImageQuery } from '@repoman/api';
import type { FastifyRequest } from 'fastify';

const asBoolean = (value: unknown): boolean => (typeof value === 'boolean' ? value : booleanOfWord(String(value)) === true);

export function readQuery(request: FastifyRequest): ImageFilter {
  const { shared, public: publicOnly, ...query } = (request.query ?? {}) as ImageQuery;
  return { ...query, ...(shared !== undefined && { shared: asBoolean(shared) }), ...(publicOnly !== undefined && { public: asBoolean(publicOnly) }) };
}
