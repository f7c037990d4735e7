/**
 * Errors the metadata stores throw for expected conditions, independent of the SQL engine, so
 * that services can turn them into HTTP answers (409) without knowing SQLite or PostgreSQL codes.
 */

/** A row would break a uniqueness rule (a user name, a DN, a group name). */
export class UniqueViolation extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} already exists`, options);
    this.name = 'UniqueViolation';
  }
}
