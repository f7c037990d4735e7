/**
 * Migration 0011: the block lists of blobs, for delta re-saves (SPEC §3 "Blocks"). One row per
 * blob key: the block size it was cut with, the blob's size and sha256, and the sha256 of every
 * block as one string of concatenated 64-character hex digests (a 20 GiB blob in 8 MiB blocks is
 * 160 KiB of text, read whole every time). Computed once in the background after a commit
 * (`services/block-list-worker.ts`); a blob never changes, so neither does its row. A row whose
 * blob is swept is harmless (a later blob under that content-addressed key has the same bytes).
 * `resumable_uploads.base_version` marks an upload that started as a copy of a version's bytes
 * (a delta re-save; null for a tus upload): only those take block writes.
 */
import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function blobBlocksMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('blob_blocks')
        .addColumn('blob_key', 'text', (c) => c.primaryKey())
        .addColumn('block_size', 'integer', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('blocks', 'text', (c) => c.notNull())
        .addColumn('computed', 'text', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('resumable_uploads').addColumn('base_version', 'integer').execute();
    },
    async down(db: AnyDb) {
      await db.schema.alterTable('resumable_uploads').dropColumn('base_version').execute();
      await db.schema.dropTable('blob_blocks').execute();
    },
  };
}
