/**
 * The LinkStore contract (`link-store.ts`) over kysely, for every SQL dialect: the token hash
 * is a unique, indexed column, so a download costs one index lookup.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { guardConstraints } from './constraint-guard.js';
import type { Database, DownloadLinksTable } from './database-schema.js';
import type { LinkStore, LinkRecord } from './link-store.js';
import type { MetadataDialect } from './metadata-dialect.js';

function toRecord(row: Selectable<DownloadLinksTable>): LinkRecord {
  return {
    id: row.id,
    imageId: row.image_id,
    version: row.version,
    created: row.created,
    createdBy: row.created_by,
    expires: row.expires,
    revoked: row.revoked,
    downloads: Number(row.downloads),
  };
}

export function createSqlLinkStore(db: Kysely<Database>, dialect: MetadataDialect): LinkStore {
  const live = (now: Date) => db.selectFrom('download_links').selectAll().where('revoked', 'is', null).where('expires', '>', now.toISOString());
  return {
    async create(link) {
      const row = await guardConstraints(dialect, { unique: 'a link with this id or token', missing: 'the image' }, () =>
        db
          .insertInto('download_links')
          .values({
            id: link.id,
            token_hash: link.tokenHash,
            image_id: link.imageId,
            version: link.version,
            created: new Date().toISOString(),
            created_by: link.createdBy,
            expires: link.expires,
            revoked: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return toRecord(row);
    },

    async findLive(tokenHash, now) {
      const row = await live(now).where('token_hash', '=', tokenHash).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async listLive(imageId, now) {
      const rows = await live(now).where('image_id', '=', imageId).orderBy('created', 'desc').orderBy('id').execute();
      return rows.map(toRecord);
    },

    async revoke(imageId, id, now) {
      const result = await db
        .updateTable('download_links')
        .set({ revoked: now.toISOString() })
        .where('id', '=', id)
        .where('image_id', '=', imageId)
        .where('revoked', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async countDownload(id) {
      await db.updateTable('download_links').set({ downloads: sql`downloads + 1` }).where('id', '=', id).execute();
    },
  };
}
