/**
 * Migration 0012: indexes for the listing's other orders (issue 19, `sort=name`, `uploaded`,
 * `size`, either way). A page in such an order used to sort every visible image (the admin's
 * 20,000: ~26 ms on SQLite's synchronous event loop); with an index on exactly the sort key the
 * listing uses (`name`, `coalesce(uploaded, '')`, `coalesce(size, -1)`), the database walks the
 * images in key order and sorts only rows of equal key by owner and name (SQLite's "temp b-tree
 * for the last terms of ORDER BY", PostgreSQL's incremental sort), stopping after the page.
 * The expressions are written as the store writes them, so both planners match them.
 */
import { sql, type Kysely, type Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const INDEXES = [
  ['images_name_idx', 'name'],
  ['images_uploaded_idx', `(coalesce(uploaded, ''))`],
  ['images_size_idx', '(coalesce(size, -1))'],
] as const;

export function listingIndexesMigration(): Migration {
  return {
    async up(db: AnyDb) {
      for (const [name, key] of INDEXES) await sql.raw(`create index ${name} on images (${key})`).execute(db);
    },
    async down(db: AnyDb) {
      for (const [name] of INDEXES) await sql.raw(`drop index ${name}`).execute(db);
    },
  };
}
