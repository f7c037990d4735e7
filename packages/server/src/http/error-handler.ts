/**
 * The one place errors become HTTP answers. Every failure — a RepomanError from a service,
 * fastify's own errors (bad JSON, body too large, unsupported media type, bad URL), an unknown
 * route (404) or method (405) — answers the envelope `{"error": {"code", "message"}}` with the
 * catalogue's status. Anything unexpected answers 500 INTERNAL with the catalogue's message
 * only: no stack, no internals; the error itself goes to the log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MetadataUnavailable } from '../metadata/store-errors.js';
import { ERROR_MESSAGES, type ErrorCode } from '../services/error-catalogue.js';
import { RepomanError } from '../services/repoman-error.js';
import { ERROR_STATUS } from './error-status.js';
import { HttpError } from './http-error.js';
import { faultOf, RETRY_AFTER_SECONDS } from './fault-envelope.js';
import type { RouteTable } from './route-table.js';
import { explainValidation } from './validation-errors.js';

interface Envelope {
  readonly code: ErrorCode;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** fastify error codes → catalogue codes; their messages are safe to show. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'INVALID_NAME',
  FST_ERR_INVALID_URL: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
};

/** Other client errors (4xx) fastify or its plugins may raise, by status. */
const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  411: 'LENGTH_REQUIRED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
};

/** Better words than fastify's for some of its errors. */
const MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'this content type is not accepted here; send application/json or application/x-www-form-urlencoded',
  FST_ERR_CTP_BODY_TOO_LARGE: 'the body is too large for this request',
  FST_ERR_MAX_PARAM_LENGTH: 'a name in the URL is longer than any valid name',
};

export function toEnvelope(error: unknown): Envelope {
  if (error instanceof RepomanError) return { code: error.code, message: error.message, headers: headersOf(error) };
  // Storage full (507), database locked or read-only, storage unreachable (503): see fault-envelope.ts.
  const fault = faultOf(error);
  if (fault !== undefined) return fault;
  // The database went away mid-flight: a retryable 503, not a 500 (its details go to the log only).
  if (error instanceof MetadataUnavailable) {
    return { code: 'UNAVAILABLE', message: 'the metadata database cannot be reached; try again shortly', headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } };
  }
  const fastifyError = error as Partial<FastifyError> | null;
  const better = typeof fastifyError?.code === 'string' ? MESSAGES[fastifyError.code] : undefined;
  const mapped = typeof fastifyError?.code === 'string' ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped !== undefined) return { code: mapped, message: better ?? fastifyError?.message ?? ERROR_MESSAGES[mapped], headers: {} };
  const status = fastifyError?.statusCode;
  const byStatus = typeof status === 'number' ? BY_STATUS[status] : undefined;
  if (byStatus !== undefined && typeof fastifyError?.code === 'string' && fastifyError.code.startsWith('FST_')) {
    return { code: byStatus, message: fastifyError.message ?? ERROR_MESSAGES[byStatus], headers: {} };
  }
  if (byStatus !== undefined) return { code: byStatus, message: ERROR_MESSAGES[byStatus], headers: {} };
  return { code: 'INTERNAL', message: ERROR_MESSAGES.INTERNAL, headers: {} };
}

/** The headers an error answers with: its own at the HTTP edge; `Connection: close` when the body was left unread. */
function headersOf(error: RepomanError): Readonly<Record<string, string>> {
  if (error instanceof HttpError) return error.headers;
  return error.unreadBody ? { connection: 'close' } : {};
}

/**
 * The challenge of a 401 (RFC 9110 §11.6.1): no password scheme fits, the credential is the
 * client certificate of the TLS handshake (an X.509 certificate or a grid proxy).
 */
export const CERTIFICATE_CHALLENGE = 'Certificate realm="repoman"';

export function sendError(reply: FastifyReply, envelope: Envelope): FastifyReply {
  const status = ERROR_STATUS[envelope.code];
  if (status === 401) reply.header('www-authenticate', CERTIFICATE_CHALLENGE);
  return reply
    .status(status)
    .headers(envelope.headers)
    .type('application/json; charset=utf-8')
    .send({ error: { code: envelope.code, message: envelope.message } });
}

export function installErrorHandling(app: FastifyInstance, routes: RouteTable): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const envelope = toEnvelope(explainValidation(request, error));
    const status = ERROR_STATUS[envelope.code];
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (reply.sent || reply.raw.headersSent) return;
    return sendError(reply, envelope);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = routes.allowedMethods(path);
    if (allowed.length > 0) {
      return sendError(reply, {
        code: 'METHOD_NOT_ALLOWED',
        message: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
        headers: { allow: allowed.join(', ') },
      });
    }
    return sendError(reply, { code: 'NOT_FOUND', message: `no resource at ${path}`, headers: {} });
  });
}
