/**
 * The fields of a metadata body as the handlers take them, typed by `@repoman/api` (`NewUser`,
 * `ImageChanges`, …). The route table's schema has already refused unknown, missing and mistyped
 * fields (`route-schemas.ts`); JSON bodies are then used as they are, while form-encoded ones are
 * text and are coerced here by their JSON schema: booleans from true/false/1/0/yes/no/on/off,
 * integers from digits (the form schema let only digits through), lists from repeated keys or a comma-separated value (items trimmed, empty ones dropped).
 */
import { booleanOfWord } from '@repoman/api';
import { Kind, type TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { FORM_CONTENT_TYPE } from './body-parsers.js';

export function readBody<T>(request: FastifyRequest): T {
  const fields = (request.body ?? {}) as Record<string, unknown>;
  const schema = request.routeOptions.config.apiRoute?.body;
  const form = (request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM_CONTENT_TYPE);
  if (!form || typeof schema !== 'object') return fields as T;
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) result[name] = fromForm((schema.properties[name] as TSchema | undefined)?.[Kind], value);
  return result as T;
}

function fromForm(kind: unknown, value: unknown): unknown {
  if (kind === 'Array') {
    const items = Array.isArray(value) ? value : String(value).split(',');
    return items.map((item: string) => item.trim()).filter((item: string) => item !== '');
  }
  if (typeof value !== 'string') return value;
  if (kind === 'Integer') return Number(value.trim());
  return kind === 'Boolean' ? booleanOfWord(value) : value;
}
