/**
 * The SQLite metadata dialect (`database.url = "sqlite:PATH"`, or `sqlite::memory:`), through
 * better-sqlite3. The database file's directory is created if needed; each connection runs in
 * WAL mode with foreign keys enforced and a busy timeout, so that a second process (e.g.
 * `repoman-server admin add` while the server runs) waits instead of failing.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './database-schema.js';
import type { MetadataDialect } from './metadata-dialect.js';

const BUSY_TIMEOUT_MS = 5000;

export const sqliteDialect: MetadataDialect = {
  name: 'sqlite',
  matches: (url) => url.startsWith('sqlite:'),
  open(url) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = new BetterSqlite3(path);
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.pragma('synchronous = NORMAL');
    return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  },
  serialPrimaryKey: (column) => column.primaryKey().autoIncrement(),
  isUniqueViolation(error) {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
};
