/**
 * Migration 0002: names compare and sort byte by byte on every engine. SQLite already does
 * (BINARY); on PostgreSQL the name columns get the dialect's byte-order collation ("C"), so
 * that a server whose database was created with a locale (en_US.UTF-8, ICU) lists users,
 * groups, permissions and images in the same order as SQLite, and lower() folds ASCII only,
 * as SQLite's does. The unique constraints on these columns are rebuilt with them.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../metadata-dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const NAME_COLUMNS = [
  ['users', 'name'],
  ['groups', 'name'],
  ['group_permissions', 'permission'],
  ['images', 'name'],
] as const;

export function byteOrderNamesMigration(dialect: MetadataDialect): Migration {
  const collation = dialect.byteOrderCollation;
  const retype = async (db: AnyDb, type: ReturnType<typeof sql>) => {
    for (const [table, column] of NAME_COLUMNS) {
      await db.schema.alterTable(table).alterColumn(column, (c) => c.setDataType(type)).execute();
    }
  };
  return {
    async up(db: AnyDb) {
      if (collation !== null) await retype(db, sql`text collate ${sql.id(collation)}`);
    },
    async down(db: AnyDb) {
      if (collation !== null) await retype(db, sql`text collate "default"`);
    },
  };
}
