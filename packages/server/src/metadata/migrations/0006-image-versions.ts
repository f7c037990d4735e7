/**
 * Migration 0006: image versions (SPEC §3 "Versions"). `image_versions` holds one row per kept
 * version of an image: its number (unique per image), the blob it names, size, sha256, disk
 * format, virtual size, when it was uploaded and by whom. `uploaded_by` is the user's name as
 * text, not a foreign key, so that deleting the uploader leaves the history readable; it is
 * null for versions made before this migration (nobody knows who uploaded them). Versions go
 * with their image (ON DELETE CASCADE). The upgrade turns the current content of every image
 * into its version row, numbered `images.version`, naming the same blob: no byte is copied.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../metadata-dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function imageVersionsMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('image_versions')
        .addColumn('id', 'integer', (c) => dialect.serialPrimaryKey(c))
        .addColumn('image_id', 'integer', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('blob_key', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('disk_format', 'text')
        .addColumn('virtual_size', 'bigint')
        .addColumn('uploaded', 'text', (c) => c.notNull())
        .addColumn('uploaded_by', 'text')
        .addUniqueConstraint('image_versions_image_version_unique', ['image_id', 'version'])
        .execute();
      // The sweeper asks whether any version names a key.
      await db.schema.createIndex('image_versions_blob_key_idx').on('image_versions').column('blob_key').execute();
      await sql`
        insert into image_versions (image_id, version, blob_key, size, sha256, disk_format, virtual_size, uploaded, uploaded_by)
        select id, version, blob_key, size, checksum, disk_format, virtual_size, coalesce(uploaded, modified), null
        from images
        where status = 'ready' and blob_key is not null and size is not null and checksum is not null`.execute(db);
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('image_versions').execute();
    },
  };
}
