/**
 * The HTTP status of each error code of the domain's catalogue (`services/error-catalogue.ts`).
 * The type makes the list complete: a code added to the catalogue does not compile until it has
 * a status here. packages/api's `ERROR_STATUS` has the same shape and must agree (its
 * schemas.test.ts checks it).
 */
import type { ErrorCode } from '../services/error-catalogue.js';

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_NAME: 400,
  UNKNOWN_FIELD: 400,
  MALFORMED_BODY: 400,
  PERMISSION_NOT_FOUND: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CROSS_SITE_REQUEST: 403,
  USER_SUSPENDED: 403,
  USER_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  IMAGE_NOT_FOUND: 404,
  IMAGE_EMPTY: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  IMAGE_READ_ONLY: 409,
  GONE: 410,
  LENGTH_REQUIRED: 411,
  PAYLOAD_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  CHECKSUM_MISMATCH: 422,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
} as const satisfies Record<ErrorCode, number>;
