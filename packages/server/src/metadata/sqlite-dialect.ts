/**
 * The SQLite metadata dialect (`database.url = "sqlite:PATH"`, or `sqlite::memory:`), through
 * better-sqlite3. The database file's directory is created if needed (0700), and the file itself
 * 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode, so
 * the accounts stay private to the server's user. Each connection runs in WAL mode with
 * foreign keys enforced and a busy timeout, so that a second process (e.g. `repoman-server
 * admin add` while the server runs) waits instead of failing, and connections of one process
 * to one file take turns (`sqlite-file-driver.ts`).
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Database } from './database-schema.js';
import type { MetadataDialect } from './metadata-dialect.js';
import { SqliteFileDialect } from './sqlite-file-driver.js';
import { withStatementCache } from './statement-cache.js';
import { MetadataUnavailable } from './store-errors.js';

/**
 * better-sqlite3 waits for a lock synchronously, freezing the whole event loop meanwhile: keep
 * the wait short (our transactions last milliseconds), so that a database another process holds
 * locked answers 503 with Retry-After at once instead of stalling every request for seconds.
 */
const BUSY_TIMEOUT_MS = 500;

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

export const sqliteDialect: MetadataDialect = {
  name: 'sqlite',
  matches: (url) => url.startsWith('sqlite:'),
  open(url) {
    const path = url.slice('sqlite:'.length);
    let database: BetterSqlite3.Database | undefined;
    try {
      if (path !== ':memory:') {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        // Created private before SQLite makes it 0644; an existing file (maybe on a read-only
        // mount, which SQLite then opens read-only) is left as it is.
        if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
      }
      database = new BetterSqlite3(path);
      database.pragma('journal_mode = WAL');
      database.pragma('foreign_keys = ON');
      database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      database.pragma('synchronous = NORMAL');
    } catch (error) {
      database?.close();
      throw new MetadataUnavailable(`cannot open the database ${url}: ${(error as Error).message}`, { cause: error });
    }
    return new Kysely<Database>({ dialect: new SqliteFileDialect({ database: withStatementCache(database) }, path) });
  },
  probe: async () => {},
  serialPrimaryKey: (column) => column.primaryKey().autoIncrement(),
  byteOrderCollation: null,
  substringIndex: 'fts5-trigram',
  isUniqueViolation: (error) => codeOf(error) === 'SQLITE_CONSTRAINT_UNIQUE' || codeOf(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  isForeignKeyViolation: (error) => codeOf(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY',
};
