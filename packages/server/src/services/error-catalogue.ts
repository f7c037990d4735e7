/**
 * The error catalogue of the domain: every error code a service (or the HTTP edge) can answer,
 * with its default message, in one place. Services throw `RepomanError` with one of these
 * codes; the HTTP edge gives each its status (`http/error-status.ts`) and sends the one envelope
 * `{"error": {"code", "message"}}`. Clients may rely on the codes; messages are for humans and
 * may change.
 */

export const ERROR_MESSAGES = {
  BAD_REQUEST: 'The request is not valid.',
  INVALID_NAME: 'The name is not valid.',
  UNKNOWN_FIELD: 'The body has a field this request does not take.',
  MALFORMED_BODY: 'The body could not be parsed or has fields of the wrong type.',
  PERMISSION_NOT_FOUND: 'No permission has this name.',
  UNAUTHENTICATED: 'A registered client certificate or grid proxy is required.',
  FORBIDDEN: 'You are not allowed to do this.',
  CROSS_SITE_REQUEST: 'A change requested by a page of another site is refused.',
  USER_SUSPENDED: 'This account is suspended.',
  USER_NOT_FOUND: 'No user has this name.',
  GROUP_NOT_FOUND: 'No group has this name.',
  IMAGE_NOT_FOUND: 'No such image.',
  IMAGE_LIST_NOT_FOUND: 'No such image list.',
  IMAGE_EMPTY: 'This image has no bytes yet; upload them with PUT on its raw URL.',
  LINK_NOT_FOUND: "No download link matches this URL: it never existed, expired or was revoked, or its image is gone; ask the image's owner for a new link.",
  VERSION_NOT_FOUND: 'This image keeps no such version; list its versions.',
  NOT_FOUND: 'No such resource.',
  METHOD_NOT_ALLOWED: 'This method is not allowed on this resource.',
  REQUEST_TIMEOUT: 'The request was not received in time: its body stopped arriving.',
  CONFLICT: 'This conflicts with the current state.',
  IMAGE_READ_ONLY: 'This image is read-only; clear read_only first.',
  GONE: 'This resource has expired.',
  LENGTH_REQUIRED: 'A Content-Length header is required.',
  PRECONDITION_FAILED: 'The resource changed since you read it (If-Match or If-Unmodified-Since); read it again, then retry with its new ETag.',
  PAYLOAD_TOO_LARGE: 'The body is too large.',
  QUOTA_EXCEEDED: "This would pass the owner's quota; delete images or ask an admin for a larger quota.",
  UNSUPPORTED_MEDIA_TYPE: 'This content type is not accepted here.',
  RANGE_NOT_SATISFIABLE: 'The requested range is not satisfiable.',
  CHECKSUM_MISMATCH: 'The uploaded bytes do not match the expected checksum.',
  HEADERS_TOO_LARGE: 'The request headers are too large.',
  INTERNAL: 'Internal server error.',
  NOT_IMPLEMENTED: 'This server does not implement this method.',
  UNAVAILABLE: 'The service is not ready.',
  INSUFFICIENT_STORAGE: 'The storage is full.',
  UPLOAD_NOT_FOUND: 'No such upload: it finished, was cancelled or expired, or is not yours.',
  UPLOAD_OFFSET_MISMATCH: 'Upload-Offset is not where the upload stands; ask with HEAD and continue from there.',
  TUS_VERSION_UNSUPPORTED: 'This server speaks tus 1.0.0 (Tus-Resumable: 1.0.0).',
  BLOCKS_NOT_READY: 'The block list of this version is being computed; retry in a few seconds, or upload the whole image.',
  PATCH_CHECKSUM_MISMATCH: 'The bytes of this PATCH do not match its Upload-Checksum; they were not kept, send them again.',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_MESSAGES;
