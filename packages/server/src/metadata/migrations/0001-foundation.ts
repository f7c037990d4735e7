/**
 * Migration 0001, the foundation: users, groups, memberships, group permissions, images and
 * image shares, with the built-in protected groups `admins` (every permission) and `users`
 * (`image_create`). Portable DDL only (integer 0/1 booleans, text ISO 8601 timestamps, bigint
 * sizes), so it runs unchanged on SQLite and PostgreSQL; the only engine-specific piece, the
 * auto-generated id, comes from the dialect. Deleting a user deletes its memberships, images
 * and shares (ON DELETE CASCADE). Like every migration, this file is never edited once
 * released: the permission list below is the 0001 snapshot, not the live catalogue.
 */
import type { Kysely, Migration } from 'kysely';
import type { MetadataDialect } from '../metadata-dialect.js';

// Migrations must not depend on the current table types, which change over time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const PERMISSIONS_0001 = [
  'user_create', 'user_modify', 'user_delete',
  'group_create', 'group_modify', 'group_delete', 'group_modify_membership', 'group_modify_permissions',
  'image_create', 'image_modify', 'image_delete',
];

export function foundationMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', (c) => dialect.serialPrimaryKey(c))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('client_dn', 'text', (c) => c.notNull())
        .addColumn('full_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('email', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('modified', 'text', (c) => c.notNull())
        .addUniqueConstraint('users_name_unique', ['name'])
        .addUniqueConstraint('users_client_dn_unique', ['client_dn'])
        .execute();

      await db.schema
        .createTable('groups')
        .addColumn('id', 'integer', (c) => dialect.serialPrimaryKey(c))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('modified', 'text', (c) => c.notNull())
        .addUniqueConstraint('groups_name_unique', ['name'])
        .execute();

      await db.schema
        .createTable('group_members')
        .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.createIndex('group_members_user_idx').on('group_members').column('user_id').execute();

      await db.schema
        .createTable('group_permissions')
        .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('permission', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_permissions_pk', ['group_id', 'permission'])
        .execute();

      await db.schema
        .createTable('images')
        .addColumn('id', 'integer', (c) => dialect.serialPrimaryKey(c))
        .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('uuid', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('os_variant', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('os_type', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('os_arch', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('hypervisor', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('size', 'bigint')
        .addColumn('checksum', 'text')
        .addColumn('blob_key', 'text')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('empty'))
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('uploaded', 'text')
        .addColumn('modified', 'text', (c) => c.notNull())
        .addColumn('expires', 'text')
        .addColumn('read_only', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('unauthenticated_access', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('images_owner_name_unique', ['owner_id', 'name'])
        .addUniqueConstraint('images_uuid_unique', ['uuid'])
        .execute();

      await db.schema
        .createTable('image_user_shares')
        .addColumn('image_id', 'integer', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('image_user_shares_pk', ['image_id', 'user_id'])
        .execute();
      await db.schema.createIndex('image_user_shares_user_idx').on('image_user_shares').column('user_id').execute();

      await db.schema
        .createTable('image_group_shares')
        .addColumn('image_id', 'integer', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('image_group_shares_pk', ['image_id', 'group_id'])
        .execute();
      await db.schema.createIndex('image_group_shares_group_idx').on('image_group_shares').column('group_id').execute();

      const now = new Date().toISOString();
      const admins = await db
        .insertInto('groups')
        .values({ name: 'admins', protected: 1, created: now, modified: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const users = await db
        .insertInto('groups')
        .values({ name: 'users', protected: 1, created: now, modified: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('group_permissions')
        .values([
          ...PERMISSIONS_0001.map((permission) => ({ group_id: admins.id, permission })),
          { group_id: users.id, permission: 'image_create' },
        ])
        .execute();
    },

    async down(db: AnyDb) {
      for (const table of ['image_group_shares', 'image_user_shares', 'images', 'group_permissions', 'group_members', 'groups', 'users']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
