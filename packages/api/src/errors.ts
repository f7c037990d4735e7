/**
 * The error envelope of SPEC §3, `{"error": {"code", "message"}}`, and the codes with their
 * HTTP status: the one list. The server's domain catalogue
 * (packages/server/src/services/error-catalogue.ts) adds the messages, and its HTTP edge
 * (packages/server/src/http/error-status.ts) answers these statuses. `errorEnvelope(codes)` is
 * the schema of an error answer limited to some codes, used per route and status in the
 * OpenAPI document and by `validateAnswer`.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { stringEnum } from './common.js';

/** Every code the server answers, with its status. A new code needs a message in the server's catalogue (the compiler says so). */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_NAME: 400,
  UNKNOWN_FIELD: 400,
  MALFORMED_BODY: 400,
  PERMISSION_NOT_FOUND: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  USER_SUSPENDED: 403,
  USER_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  IMAGE_NOT_FOUND: 404,
  IMAGE_EMPTY: 404,
  LINK_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  IMAGE_LIST_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  IMAGE_READ_ONLY: 409,
  GONE: 410,
  LENGTH_REQUIRED: 411,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  CHECKSUM_MISMATCH: 422,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
  CROSS_SITE_REQUEST: 403,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  NOT_IMPLEMENTED: 501,
  UPLOAD_NOT_FOUND: 404,
  UPLOAD_OFFSET_MISMATCH: 409,
  TUS_VERSION_UNSUPPORTED: 412,
  PATCH_CHECKSUM_MISMATCH: 460,
  BLOCKS_NOT_READY: 409,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/**
 * Codes any route may answer, whatever it does: no or unknown credential, suspended account,
 * plain HTTP or a limited proxy, a browser's cross-site write (any method but GET/HEAD), a
 * wrong method, bad URL encoding or an over-long name in the URL, a request that does not fit
 * the route, a body (even one the route does not read) that is unparsable, too large or of
 * another content type, a server that cannot reach its
 * database or whose disk is full, and the last-resort 500.
 */
export const COMMON_ERRORS: readonly ErrorCode[] = [
  'BAD_REQUEST',
  'INVALID_NAME',
  'MALFORMED_BODY',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'USER_SUSPENDED',
  'CROSS_SITE_REQUEST',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INTERNAL',
  'UNAVAILABLE',
  'INSUFFICIENT_STORAGE',
];

export const ErrorCodeSchema = stringEnum(ERROR_CODES, 'a stable code clients may rely on');

/** An error answer whose code is one of `codes`. */
export function errorEnvelope(codes: readonly ErrorCode[]): TObject {
  return Type.Object(
    {
      error: Type.Object(
        {
          code: stringEnum(codes),
          message: Type.String({ description: 'for humans; may change' }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  );
}

/** Every error answer. */
export const ErrorEnvelope = errorEnvelope(ERROR_CODES);
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;
