/**
 * A refusal that only the HTTP edge makes and that carries its own response headers (`Allow`
 * with 405, `Content-Range` with 416, `Retry-After` with 503). The domain's `RepomanError` knows no headers; the error
 * handler sends these as they are.
 */
import type { ErrorCode } from '../services/error-catalogue.js';
import { RepomanError } from '../services/repoman-error.js';

export class HttpError extends RepomanError {
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, headers: Readonly<Record<string, string>>, options?: { cause?: unknown }) {
    super(code, message, options);
    this.headers = headers;
  }
}
