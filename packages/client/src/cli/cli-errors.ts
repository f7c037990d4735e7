/**
 * The kinds of failure of the `repoman` command and their fixed exit codes — 0 ok, 1 error,
 * 2 usage, 3 authentication (no usable credential, or the server does not know it), 4 not
 * found, 130 interrupted — and the one line printed for each. Every error the API client can
 * throw is mapped here, in one place, to a message that says what to do. Any other TypeError
 * or ReferenceError is a bug of the command, said so (exit 1), never passed off as usage.
 */
import { ApiError, ChecksumMismatchError, CredentialError, InvalidValueError, NetworkError, TransferAbortedError } from '../wire/api-errors.js';
import { MissingServerError } from '../config/connect.js';

export const ExitCode = { OK: 0, ERROR: 1, USAGE: 2, AUTH: 3, NOT_FOUND: 4, INTERRUPTED: 130 } as const;

/** An error that carries its exit code and a message ready for the user. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(message: string, readonly exitCode: number = ExitCode.ERROR) {
    super(message);
  }
}

/** Bad command-line input: exit 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, ExitCode.USAGE);
  }
}

const NOT_FOUND_ADVICE: Record<string, string> = {
  IMAGE_NOT_FOUND: 'see repoman list-images',
  USER_NOT_FOUND: 'see repoman list-users',
  GROUP_NOT_FOUND: 'see repoman list-groups',
};

export function describeError(error: unknown): { message: string; exitCode: number } {
  const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
  if (error instanceof CliError) return { message: oneLine(error.message), exitCode: error.exitCode };
  if (error instanceof CredentialError) return { message: oneLine(error.message), exitCode: ExitCode.AUTH };
  if (error instanceof MissingServerError || error instanceof InvalidValueError) return { message: oneLine(error.message), exitCode: ExitCode.USAGE };
  if (error instanceof TransferAbortedError) return { message: oneLine(error.message), exitCode: ExitCode.INTERRUPTED };
  if (error instanceof ApiError) return describeApiError(error);
  if (error instanceof NetworkError || error instanceof ChecksumMismatchError) return { message: oneLine(error.message), exitCode: ExitCode.ERROR };
  if (error instanceof TypeError || error instanceof ReferenceError) {
    return { message: `internal error: ${oneLine(error.message)} (please report it, with the command line)`, exitCode: ExitCode.ERROR };
  }
  if (error instanceof Error) return { message: oneLine(error.message), exitCode: ExitCode.ERROR };
  return { message: String(error), exitCode: ExitCode.ERROR };
}

function describeApiError(error: ApiError): { message: string; exitCode: number } {
  const message = error.message.replace(/\.$/, '');
  if (error.status === 401) {
    // A refused certificate (legacy proxy, expired, revoked) comes with its own advice; registering its DN would not help.
    if (/refused/i.test(message)) return { message, exitCode: ExitCode.AUTH };
    return { message: `${message}: the server does not accept your credential; if your grid proxy is valid, ask the repository's administrator to register your certificate's DN`, exitCode: ExitCode.AUTH };
  }
  const readOnly = error.code === 'IMAGE_READ_ONLY' ? /^(\S+) is read-only/.exec(message) : null;
  if (readOnly) {
    return { message: `${readOnly[0]}: clear it first with repoman modify-image ${readOnly[1]} --read-only false`, exitCode: ExitCode.ERROR };
  }
  if (error.status === 404) {
    const advice = NOT_FOUND_ADVICE[error.code];
    return { message: advice ? `${message}: ${advice}` : message, exitCode: ExitCode.NOT_FOUND };
  }
  if (error.code === 'CHECKSUM_MISMATCH') {
    return { message: `${message}: the server kept the previous version; the file may have changed while it was sent — upload it again`, exitCode: ExitCode.ERROR };
  }
  if (error.status >= 500) return { message: `${message} (the server failed: try again later, or tell its administrator)`, exitCode: ExitCode.ERROR };
  return { message, exitCode: ExitCode.ERROR };
}
