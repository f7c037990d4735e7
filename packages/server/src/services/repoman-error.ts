/**
 * The one error type of the domain: a code from the error catalogue and a human message
 * (the catalogue's default when none is given). Services throw it; the HTTP edge maps its code
 * to a status and the JSON envelope (`http/error-handler.ts`). Anything else that escapes is an
 * internal error.
 */
import { ERROR_MESSAGES, type ErrorCode } from './error-catalogue.js';

export interface RepomanErrorOptions {
  readonly cause?: unknown;
  /**
   * The refusal came before the request's body was read to its end: what follows on the
   * connection is the rest of that body, so the connection must not carry another request.
   */
  readonly unreadBody?: boolean;
}

export class RepomanError extends Error {
  readonly code: ErrorCode;
  readonly unreadBody: boolean;

  constructor(code: ErrorCode, message?: string, options?: RepomanErrorOptions) {
    super(message ?? ERROR_MESSAGES[code], options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RepomanError';
    this.code = code;
    this.unreadBody = options?.unreadBody === true;
  }
}
