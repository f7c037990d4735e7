/**
 * The body parsers of the metadata API: JSON, and `application/x-www-form-urlencoded` as the
 * 2011 client sent it (a key repeated gives a list). Both read at most `limit` bytes (413
 * beyond), and an empty body is "no body" rather than an error, so that `POST` synonyms of
 * `PUT` work without one. Other content types answer 415; image bytes get their own streaming
 * parser inside the image routes' scope.
 */
import type { FastifyInstance } from 'fastify';
import { RepomanError } from '../services/repoman-error.js';

/** Metadata bodies are small; anything larger is a mistake or an attack. */
export const METADATA_BODY_LIMIT = 64 * 1024;

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export function installBodyParsers(app: FastifyInstance, limit: number = METADATA_BODY_LIMIT): void {
  app.removeAllContentTypeParsers();

  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: limit }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new RepomanError('MALFORMED_BODY', `the body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });

  app.addContentTypeParser(FORM_CONTENT_TYPE, { parseAs: 'string', bodyLimit: limit }, (_request, body, done) => {
    done(null, parseForm(String(body)));
  });
}

/** Form fields as an object; a key given several times maps to the list of its values. */
export function parseForm(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of new URLSearchParams(text)) {
    const previous = fields[key];
    if (previous === undefined) fields[key] = value;
    else fields[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return fields;
}
