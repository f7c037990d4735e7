/**
 * Errors the API client throws, so that scripts (and the CLI's exit-code mapping) can tell
 * them apart: `ApiError` is an answer of the server (its status and the `{"error": {"code",
 * "message"}}` envelope), `NetworkError` a connection that failed or broke (retried),
 * `ChecksumMismatchError` bytes whose sha256 is not the one expected, `CredentialError` a
 * proxy that is missing, unreadable or expired, `TransferAbortedError` a transfer stopped
 * by its AbortSignal (Ctrl-C), `InvalidValueError` a value given by the caller that cannot name
 * anything (a malformed image name or server address).
 */

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    /** The envelope's code (`IMAGE_NOT_FOUND`, …) or `HTTP_<status>` when the body had none. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** 5xx (but 501) answers are worth another try; 4xx never. */
  get retryable(): boolean {
    return this.status >= 500 && this.status !== 501;
  }
}

export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    message: string,
    /** The system or TLS error code (`ECONNRESET`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, …). */
    readonly code: string | undefined,
    /** False for errors another try cannot fix: an untrusted server certificate, an unknown host. */
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class ChecksumMismatchError extends Error {
  override readonly name = 'ChecksumMismatchError';
  constructor(
    message: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(message);
  }
}

export type CredentialProblem = 'missing' | 'unreadable' | 'invalid' | 'expired';

export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  constructor(
    readonly problem: CredentialProblem,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export class TransferAbortedError extends Error {
  override readonly name = 'TransferAbortedError';
}

/**
 * A malformed value from the caller (an image name, a server address), refused before
 * anything is sent. A TypeError, as these always were, but its own class: the CLI reports
 * it as a usage error (exit 2), while any other TypeError is a bug.
 */
export class InvalidValueError extends TypeError {
  override readonly name = 'InvalidValueError';
}
