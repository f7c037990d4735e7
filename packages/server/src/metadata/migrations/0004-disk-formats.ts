/**
 * Migration 0004: an image's disk format and sizes (SPEC §3 "Image record"). `disk_format`
 * (text, null while unknown), `disk_format_set` (0/1: the uploader chose it, uploads keep it),
 * `virtual_size` (bigint bytes, null while unknown), `min_disk` (GB) and `min_ram` (MB), 0 when
 * not said. Images uploaded before it keep working with `disk_format` and `virtual_size` null:
 * their bytes are not read back to guess (that could mean gigabytes per image at start, from S3
 * too); the next upload detects them, and the owner may set `disk_format` meanwhile.
 */
import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function diskFormatsMigration(): Migration {
  return {
    async up(db: AnyDb) {
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      await db.schema.alterTable('images').addColumn('disk_format', 'text').execute();
      await db.schema.alterTable('images').addColumn('disk_format_set', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('images').addColumn('virtual_size', 'bigint').execute();
      await db.schema.alterTable('images').addColumn('min_disk', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('images').addColumn('min_ram', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: AnyDb) {
      for (const column of ['min_ram', 'min_disk', 'virtual_size', 'disk_format_set', 'disk_format']) {
        await db.schema.alterTable('images').dropColumn(column).execute();
      }
    },
  };
}
