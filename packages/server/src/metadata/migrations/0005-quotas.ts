/**
 * Migration 0005: quotas (SPEC §3 "Quotas"). `users.quota_bytes` and `users.quota_images` hold
 * a quota an admin set (null: the server's `[quotas]` default applies; 0: unlimited), so that
 * existing users follow the configured defaults until someone sets theirs. `quota_reservations`
 * holds what uploads and new slots in flight have claimed (bytes, images) until they commit or
 * fail; `expires` (ISO 8601 UTC) lets a reservation of a crashed instance lapse by itself, so
 * that one lost upload does not hold a user's quota for good. Reservations go with their user.
 */
import type { Kysely, Migration } from 'kysely';
import type { MetadataDialect } from '../metadata-dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function quotasMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('users').addColumn('quota_bytes', 'bigint').execute();
      await db.schema.alterTable('users').addColumn('quota_images', 'integer').execute();
      await db.schema
        .createTable('quota_reservations')
        .addColumn('id', 'integer', (c) => dialect.serialPrimaryKey(c))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('images', 'integer', (c) => c.notNull())
        .addColumn('expires', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('quota_reservations_user_idx').on('quota_reservations').column('user_id').execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('quota_reservations').execute();
      await db.schema.alterTable('users').dropColumn('quota_images').execute();
      await db.schema.alterTable('users').dropColumn('quota_bytes').execute();
    },
  };
}
