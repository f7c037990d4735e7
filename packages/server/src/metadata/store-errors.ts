/**
 * Errors the metadata stores throw for expected conditions, independent of the SQL engine, so
 * that services can turn them into HTTP answers (409, 404) without knowing SQLite or
 * PostgreSQL codes, and commands can print one clear line when the database is out of reach.
 */

/** A row would break a uniqueness rule (a user name, a DN, a group name). */
export class UniqueViolation extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} already exists`, options);
    this.name = 'UniqueViolation';
  }
}

/**
 * A row would name a user, group or image that does not exist (any more): another instance
 * deleted it between the service's lookup and the write. Nothing was written.
 */
export class MissingReference extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} no longer exists`, options);
    this.name = 'MissingReference';
  }
}

/**
 * The change would take the last member out of a group that must keep one (`admins`), e.g.
 * two instances each removing one of the last two admins. Nothing was written.
 */
export class LastMember extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(what, options);
    this.name = 'LastMember';
  }
}

/**
 * The database cannot be opened or reached (server down, wrong credentials, missing database,
 * unwritable file). The message is one line for operators, naming the database without its
 * password and saying what went wrong.
 */
export class MetadataUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetadataUnavailable';
  }
}
