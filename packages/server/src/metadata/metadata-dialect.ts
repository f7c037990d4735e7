/**
 * What differs between SQL engines, and nothing else: how to open a kysely instance for a
 * `database.url`, how an auto-generated integer primary key is declared, and how the engine
 * reports a unique-constraint violation. Everything else (queries, migrations) is written once
 * against kysely. SQLite is `sqlite-dialect.ts`; PostgreSQL will be one more file like it,
 * listed in `open-metadata-database.ts`.
 */
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Database } from './database-schema.js';

export interface MetadataDialect {
  /** For messages and logs: "sqlite", "postgres". */
  readonly name: string;
  /** True when this dialect serves the given `database.url`. */
  matches(url: string): boolean;
  /** Opens a connection (pool) for the url; the caller closes it with `db.destroy()`. */
  open(url: string): Kysely<Database>;
  /** Declares an `integer` column as an auto-generated primary key. */
  serialPrimaryKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** True when `error` is the engine's unique (or primary key) constraint violation. */
  isUniqueViolation(error: unknown): boolean;
}
