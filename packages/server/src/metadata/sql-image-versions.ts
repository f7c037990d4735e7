/**
 * The version rows of images (SPEC §3 "Versions") over kysely, used by `sql-image-store.ts`
 * inside its transactions: a new version is inserted right after the image row's switch, which
 * holds the image row's lock until commit (PostgreSQL; SQLite's BEGIN IMMEDIATE serializes all
 * writers), so version numbers are unique and exact whatever instances race, and the trimming
 * to `keep_versions` sees every version committed before it. Rows map to `ImageVersion`.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, ImageVersionsTable } from './database-schema.js';
import type { ImageVersion, NewVersionOptions } from './image-store.js';

export function toImageVersion(row: Selectable<ImageVersionsTable>): ImageVersion {
  return {
    version: Number(row.version),
    blobKey: row.blob_key,
    size: Number(row.size),
    sha256: row.sha256,
    diskFormat: row.disk_format,
    virtualSize: row.virtual_size === null ? null : Number(row.virtual_size),
    uploaded: row.uploaded,
    uploadedBy: row.uploaded_by,
  };
}

/**
 * Inserts the image row's current content as its version row (numbered as the row is), then
 * drops the versions beyond the newest `keepVersions` (0 or absent: none).
 */
export async function recordCurrentVersion(trx: Transaction<Database>, imageId: number, options: NewVersionOptions = {}): Promise<void> {
  await trx
    .insertInto('image_versions')
    .columns(['image_id', 'version', 'blob_key', 'size', 'sha256', 'disk_format', 'virtual_size', 'uploaded', 'uploaded_by'])
    .expression((eb) =>
      eb
        .selectFrom('images')
        .select((s) => [
          'id',
          'version',
          'blob_key',
          'size',
          'checksum',
          'disk_format',
          'virtual_size',
          s.fn.coalesce('uploaded', 'modified').as('uploaded'),
          // A typed parameter: PostgreSQL cannot tell the type of a bare null in a select list.
          sql<string | null>`cast(${options.uploadedBy ?? null} as text)`.as('uploaded_by'),
        ])
        .where('id', '=', imageId)
        .where('blob_key', 'is not', null),
    )
    .execute();
  const keep = options.keepVersions ?? 0;
  if (keep > 0) {
    await trx
      .deleteFrom('image_versions')
      .where('image_id', '=', imageId)
      .where('version', 'not in', (eb) =>
        eb.selectFrom('image_versions').select('version').where('image_id', '=', imageId).orderBy('version', 'desc').limit(keep),
      )
      .execute();
  }
}

export async function listVersions(db: Kysely<Database>, imageId: number): Promise<ImageVersion[]> {
  const rows = await db.selectFrom('image_versions').selectAll().where('image_id', '=', imageId).orderBy('version', 'desc').execute();
  return rows.map(toImageVersion);
}

export async function findVersion(db: Kysely<Database>, imageId: number, version: number): Promise<ImageVersion | undefined> {
  const row = await db.selectFrom('image_versions').selectAll().where('image_id', '=', imageId).where('version', '=', version).executeTakeFirst();
  return row && toImageVersion(row);
}
