/**
 * Migration 0008: download links (SPEC §3 "Download links"). One row per link: its short public
 * `id` (listings, revocation), the sha256 of its secret token (hex, unique and indexed: a
 * download finds its link by that hash alone; the token itself is never stored), the image it
 * opens (the row goes with the image), the version it pins (null: the current content), who
 * made it and when, when it expires, when it was revoked (null: never), and how many downloads
 * went through it. Times are ISO 8601 UTC text, as everywhere.
 */
import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function downloadLinksMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('download_links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('image_id', 'integer', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('version', 'integer')
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('expires', 'text', (c) => c.notNull())
        .addColumn('revoked', 'text')
        .addColumn('downloads', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('download_links_image_idx').on('download_links').column('image_id').execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('download_links').execute();
    },
  };
}
