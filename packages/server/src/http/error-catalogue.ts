/**
 * The error catalogue: every error code the API can answer, with its HTTP status and default
 * message, in one place. Services throw `RepomanError` with one of these codes; the error
 * handler (`error-handler.ts`) turns it into the one envelope `{"error": {"code", "message"}}`.
 * Clients may rely on the codes; messages are for humans and may change.
 */

export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, message: 'The request is not valid.' },
  INVALID_NAME: { status: 400, message: 'The name is not valid.' },
  UNKNOWN_FIELD: { status: 400, message: 'The body has a field this request does not take.' },
  MALFORMED_BODY: { status: 400, message: 'The body could not be parsed or has fields of the wrong type.' },
  PERMISSION_NOT_FOUND: { status: 400, message: 'No permission has this name.' },
  UNAUTHENTICATED: { status: 401, message: 'A registered client certificate or grid proxy is required.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  CROSS_SITE_REQUEST: { status: 403, message: 'A change requested by a page of another site is refused.' },
  USER_SUSPENDED: { status: 403, message: 'This account is suspended.' },
  USER_NOT_FOUND: { status: 404, message: 'No user has this name.' },
  GROUP_NOT_FOUND: { status: 404, message: 'No group has this name.' },
  IMAGE_NOT_FOUND: { status: 404, message: 'No such image.' },
  IMAGE_EMPTY: { status: 404, message: 'This image has no bytes yet; upload them with PUT on its raw URL.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed on this resource.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time: its body stopped arriving.' },
  CONFLICT: { status: 409, message: 'This conflicts with the current state.' },
  IMAGE_READ_ONLY: { status: 409, message: 'This image is read-only; clear read_only first.' },
  GONE: { status: 410, message: 'This resource has expired.' },
  LENGTH_REQUIRED: { status: 411, message: 'A Content-Length header is required.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This content type is not accepted here.' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested range is not satisfiable.' },
  CHECKSUM_MISMATCH: { status: 422, message: 'The uploaded bytes do not match the expected checksum.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  INTERNAL: { status: 500, message: 'Internal server error.' },
  NOT_IMPLEMENTED: { status: 501, message: 'This server does not implement this method.' },
  UNAVAILABLE: { status: 503, message: 'The service is not ready.' },
  INSUFFICIENT_STORAGE: { status: 507, message: 'The storage is full.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}
