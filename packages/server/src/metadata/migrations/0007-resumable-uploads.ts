/**
 * Migration 0007: resumable uploads (SPEC §3 "Resumable uploads (tus 1.0)"). One row per upload
 * in progress: its random id (the `/api/uploads/{id}` of the URL), the image it will become
 * (`image_id` and `image_uuid`: no foreign key, so that deleting the image or its owner leaves
 * the row to expire and the sweeper to remove it together with its partial bytes), the user who
 * started it (the only one who may touch it), the announced length, the offset reached by the
 * last finished PATCH, the expected sha256 and the raw `Upload-Metadata`, the blob store's
 * handle of the partial bytes, and `expires` (ISO 8601 UTC). `lease_token` and `lease_until`
 * serialize PATCHes across instances: one conditional UPDATE takes the lease, so of two racing
 * PATCHes one wins and the other answers 409; a lease of a crashed instance lapses by itself.
 */
import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function resumableUploadsMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('resumable_uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('image_id', 'integer', (c) => c.notNull())
        .addColumn('image_uuid', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('length', 'bigint', (c) => c.notNull())
        .addColumn('upload_offset', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('expected_sha256', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('storage_handle', 'text', (c) => c.notNull())
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('expires', 'text', (c) => c.notNull())
        .addColumn('lease_token', 'text')
        .addColumn('lease_until', 'text')
        .execute();
      await db.schema.createIndex('resumable_uploads_expires_idx').on('resumable_uploads').column('expires').execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('resumable_uploads').execute();
    },
  };
}
