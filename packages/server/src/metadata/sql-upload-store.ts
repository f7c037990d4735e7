/**
 * The UploadStore contract (`upload-store.ts`) over kysely, for every SQL dialect. The lease is
 * one `UPDATE … WHERE id = ? AND (lease_until IS NULL OR lease_until < now)`: both engines run
 * it atomically (PostgreSQL re-checks the condition after waiting for a concurrent update of the
 * row; SQLite serializes writers), so two instances never hold it at once. Sizes are read with
 * Number() because PostgreSQL returns bigint columns as strings unless told otherwise.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, ResumableUploadsTable } from './database-schema.js';
import type { UploadRecord, UploadStore } from './upload-store.js';

function toRecord(row: Selectable<ResumableUploadsTable>): UploadRecord {
  return {
    id: row.id,
    imageId: Number(row.image_id),
    imageUuid: row.image_uuid,
    userId: Number(row.user_id),
    length: Number(row.length),
    offset: Number(row.upload_offset),
    expectedSha256: row.expected_sha256,
    metadata: row.metadata,
    storageHandle: row.storage_handle,
    created: row.created,
    expires: row.expires,
    baseVersion: row.base_version === null ? null : Number(row.base_version),
  };
}

const later = (ms: number): string => new Date(Date.now() + ms).toISOString();

export function createSqlUploadStore(db: Kysely<Database>): UploadStore {
  return {
    async create(upload) {
      const row = await db
        .insertInto('resumable_uploads')
        .values({
          id: upload.id,
          image_id: upload.imageId,
          image_uuid: upload.imageUuid,
          user_id: upload.userId,
          length: upload.length,
          expected_sha256: upload.expectedSha256,
          metadata: upload.metadata,
          storage_handle: upload.storageHandle,
          created: new Date().toISOString(),
          expires: upload.expires,
          base_version: upload.baseVersion ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    async find(id) {
      const row = await db.selectFrom('resumable_uploads').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async lease(id, token, ttlMs) {
      const now = new Date().toISOString();
      const row = await db
        .updateTable('resumable_uploads')
        .set({ lease_token: token, lease_until: later(ttlMs) })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async renewLease(id, token, ttlMs) {
      await db.updateTable('resumable_uploads').set({ lease_until: later(ttlMs) }).where('id', '=', id).where('lease_token', '=', token).execute();
    },

    async release(id, token, changes) {
      await db
        .updateTable('resumable_uploads')
        .set({ upload_offset: changes.offset, expires: changes.expires, lease_token: null, lease_until: null })
        .where('id', '=', id)
        .where('lease_token', '=', token)
        .execute();
    },

    async delete(id) {
      const row = await db.deleteFrom('resumable_uploads').where('id', '=', id).returning('id').executeTakeFirst();
      return row !== undefined;
    },

    async namesStorage(storageHandle) {
      const row = await db.selectFrom('resumable_uploads').select('id').where('storage_handle', '=', storageHandle).limit(1).executeTakeFirst();
      return row !== undefined;
    },

    async takeExpired(now) {
      const at = now.toISOString();
      const rows = await db
        .deleteFrom('resumable_uploads')
        .where('expires', '<', at)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]))
        .returningAll()
        .execute();
      return rows.map(toRecord);
    },
  };
}
