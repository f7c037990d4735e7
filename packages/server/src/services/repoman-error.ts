/**
 * The one error type of the domain: a code from the error catalogue and a human message
 * (the catalogue's default when none is given). Services throw it; the HTTP error handler maps
 * it to a status and the JSON envelope. Anything else that escapes is an internal error.
 */
import { ERROR_CATALOGUE, type ErrorCode } from '../http/error-catalogue.js';

export class RepomanError extends Error {
  readonly code: ErrorCode;
  /** Extra response headers (e.g. `Allow` for 405). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message ?? ERROR_CATALOGUE[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RepomanError';
    this.code = code;
    this.headers = options?.headers ?? {};
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }
}
