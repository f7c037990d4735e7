/**
 * Migration 0009: HEPiX image lists (SPEC §3 "HEPiX image lists"). `image_lists` holds a
 * list's fields (its `uuid` is the document's stable `dc:identifier`), and the signed document
 * as last published: the S/MIME text, the `hv:version` it carries (only ever increases), when
 * it was signed and when it expires, and the digest of the content it was signed from, so that
 * any instance can tell whether the list or one of its images changed since and re-sign.
 * `image_list_members` names the images; a deleted image leaves its lists (cascade). `blob_sha512`
 * holds the sha512 of a blob, computed once in the background (blobs are immutable, so a key's
 * digest never changes).
 */
import type { Kysely, Migration } from 'kysely';
import type { MetadataDialect } from '../metadata-dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function imageListsMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('image_lists')
        .addColumn('id', 'integer', (c) => dialect.serialPrimaryKey(c))
        .addColumn('uuid', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('vo', 'text')
        .addColumn('group_id', 'integer', (c) => c.references('groups.id').onDelete('set null'))
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('modified', 'text', (c) => c.notNull())
        .addColumn('version', 'bigint')
        .addColumn('document', 'text')
        .addColumn('content_digest', 'text')
        .addColumn('signed', 'text')
        .addColumn('expires', 'text')
        .addUniqueConstraint('image_lists_owner_name_unique', ['owner_id', 'name'])
        .addUniqueConstraint('image_lists_uuid_unique', ['uuid'])
        .execute();

      await db.schema
        .createTable('image_list_members')
        .addColumn('list_id', 'integer', (c) => c.notNull().references('image_lists.id').onDelete('cascade'))
        .addColumn('image_id', 'integer', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('image_list_members_pk', ['list_id', 'image_id'])
        .execute();
      await db.schema.createIndex('image_list_members_image_idx').on('image_list_members').column('image_id').execute();

      await db.schema
        .createTable('blob_sha512')
        .addColumn('blob_key', 'text', (c) => c.primaryKey())
        .addColumn('sha512', 'text', (c) => c.notNull())
        .addColumn('computed', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: AnyDb) {
      for (const table of ['blob_sha512', 'image_list_members', 'image_lists']) await db.schema.dropTable(table).execute();
    },
  };
}
