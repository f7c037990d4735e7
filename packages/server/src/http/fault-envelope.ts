/**
 * Failures of the server's own storage or database, recognised wherever they come from (the
 * error itself or its `cause` chain): a full disk or quota (ENOSPC, EDQUOT, SQLite FULL,
 * PostgreSQL disk_full, an S3 server out of space) answers 507 INSUFFICIENT_STORAGE; a database
 * that is locked, busy, read-only or out of reach, storage that is read-only or out of reach, and
 * an upload whose base another process still copies, answer 503 UNAVAILABLE with `Retry-After`.
 * Neither is the client's fault nor a bug, so neither is a 500; the details go to the log only.
 */
import type { ErrorCode } from '../services/error-catalogue.js';

export interface Fault {
  readonly code: ErrorCode;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

const FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100', 'InsufficientCapacity', 'QuotaExceeded']);
const DATABASE_BUSY = /^SQLITE_(BUSY|LOCKED|READONLY|CANTOPEN|IOERR|PROTOCOL|NOTADB)/;
/** PostgreSQL SQLSTATEs: connection (08), resources (53), operator intervention (57P), lock/serialisation, read-only transaction. */
const POSTGRES_UNAVAILABLE = /^(08...|53...|57P0[1-4]|55P03|40001|40P01|25006)$/;
const UNREACHABLE = new Set(['EROFS', 'EIO', 'ESTALE', 'ENOTCONN', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);
/** S3 answers that say "the service cannot take this now". */
const S3_UNAVAILABLE = new Set(['ServiceUnavailable', 'SlowDown', 'InternalError', 'RequestTimeout', 'TimeoutError']);

/** The fault `error` reports, or undefined when it is not a storage or database fault. */
export function faultOf(error: unknown): Fault | undefined {
  for (let current = error, depth = 0; current !== null && typeof current === 'object' && depth < 8; depth += 1) {
    const { code, name, Code } = current as { code?: unknown; name?: unknown; Code?: unknown };
    const status = (current as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
    const key = typeof code === 'string' ? code : typeof Code === 'string' ? Code : typeof name === 'string' ? name : '';
    if (FULL.has(key) || status === 507) {
      return { code: 'INSUFFICIENT_STORAGE', message: 'the server has no space left to store this; nothing was changed', headers: {} };
    }
    if (DATABASE_BUSY.test(key) || POSTGRES_UNAVAILABLE.test(key)) return unavailable('the metadata database cannot be written right now');
    // storage/blob-errors.ts: another server process is still copying this upload's base.
    if (key === 'UPLOAD_NOT_READY') return unavailable('the server is still copying the previous version into this upload');
    if (UNREACHABLE.has(key) || S3_UNAVAILABLE.has(key) || status === 503) return unavailable('the image storage or the database cannot be reached right now');
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function unavailable(what: string): Fault {
  return { code: 'UNAVAILABLE', message: `${what}; nothing was changed, try again shortly`, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } };
}
