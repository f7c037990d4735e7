/**
 * What differs between SQL engines, and nothing else: how to open a kysely instance for a
 * `database.url`, how an auto-generated integer primary key is declared, how the engine
 * reports constraint violations, and how a database is checked without being changed.
 * Everything else (queries, migrations) is written once against kysely. SQLite is
 * `sqlite-dialect.ts`, PostgreSQL `postgres-dialect.ts`; both are listed in `open-metadata.ts`.
 */
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Database } from './database-schema.js';

export interface MetadataDialect {
  /** For messages and logs: "sqlite", "postgres". */
  readonly name: string;
  /** True when this dialect serves the given `database.url`. */
  matches(url: string): boolean;
  /**
   * Opens a connection (pool) for the url; the caller closes it with `db.destroy()`. Failing to
   * open or to connect (now or at a later query) throws MetadataUnavailable.
   */
  open(url: string): Kysely<Database>;
  /**
   * Checks that the database can be reached, changing nothing (`check-config`): PostgreSQL
   * connects and runs a trivial query; SQLite has nothing to reach (its file is created on
   * first open). Throws MetadataUnavailable.
   */
  probe(url: string): Promise<void>;
  /** Declares an `integer` column as an auto-generated primary key. */
  serialPrimaryKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * The collation that compares and sorts text byte by byte, when the engine's default may
   * not: `"C"` on PostgreSQL (whose default follows the database's locale); null on SQLite,
   * whose default (BINARY) already does. Migration 0002 gives it to the name columns, so that
   * listings come out in the same order on every engine.
   */
  readonly byteOrderCollation: string | null;
  /**
   * How the engine indexes substrings for the listing's `q=` (migration 0010): an FTS5 table
   * with the trigram tokenizer on SQLite, `pg_trgm` GIN indexes on PostgreSQL.
   */
  readonly substringIndex: 'fts5-trigram' | 'pg-trgm';
  /** True when `error` is the engine's unique (or primary key) constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /** True when `error` is the engine's foreign key violation (the referenced row is gone). */
  isForeignKeyViolation(error: unknown): boolean;
}
