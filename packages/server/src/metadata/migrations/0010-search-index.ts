/**
 * Migration 0010: indexes for the image listing at scale (issue 19). A partial index of the
 * public images, so that the visibility rule ("own, shared, or public") is a union of index
 * lookups instead of a test of every row. A substring index for `q=` (case-insensitive
 * substring of the name or the description), chosen by the dialect: on SQLite an FTS5 table
 * with the trigram tokenizer over images' name and description (external content, kept in
 * step by triggers, so nothing else writes it), which the store uses to narrow the rows its
 * LIKE test then decides; on PostgreSQL `pg_trgm` GIN indexes on exactly the expressions that
 * LIKE test uses (`lower(name)`, `lower(description)`), which the planner uses by itself.
 * `pg_trgm` is a trusted extension (PostgreSQL 13+): the database owner may create it.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../metadata-dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const SQLITE_UP = [
  `create virtual table images_search using fts5(name, description, content='images', content_rowid='id', tokenize='trigram')`,
  `create trigger images_search_insert after insert on images begin
     insert into images_search(rowid, name, description) values (new.id, new.name, new.description); end`,
  `create trigger images_search_delete after delete on images begin
     insert into images_search(images_search, rowid, name, description) values ('delete', old.id, old.name, old.description); end`,
  `create trigger images_search_update after update of name, description on images begin
     insert into images_search(images_search, rowid, name, description) values ('delete', old.id, old.name, old.description);
     insert into images_search(rowid, name, description) values (new.id, new.name, new.description); end`,
  `insert into images_search(images_search) values ('rebuild')`,
];
const SQLITE_DOWN = ['drop trigger images_search_update', 'drop trigger images_search_delete', 'drop trigger images_search_insert', 'drop table images_search'];

const POSTGRES_UP = [
  'create extension if not exists pg_trgm',
  'create index images_name_trgm_idx on images using gin (lower(name) gin_trgm_ops)',
  'create index images_description_trgm_idx on images using gin (lower(description) gin_trgm_ops)',
];
const POSTGRES_DOWN = ['drop index images_description_trgm_idx', 'drop index images_name_trgm_idx'];

export function searchIndexMigration(dialect: MetadataDialect): Migration {
  const fts = dialect.substringIndex === 'fts5-trigram';
  return {
    async up(db: AnyDb) {
      await db.schema.createIndex('images_public_idx').on('images').column('id').where(sql.ref('unauthenticated_access'), '=', 1).execute();
      for (const statement of fts ? SQLITE_UP : POSTGRES_UP) await sql.raw(statement).execute(db);
    },
    async down(db: AnyDb) {
      for (const statement of fts ? SQLITE_DOWN : POSTGRES_DOWN) await sql.raw(statement).execute(db);
      await db.schema.dropIndex('images_public_idx').execute();
    },
  };
}
