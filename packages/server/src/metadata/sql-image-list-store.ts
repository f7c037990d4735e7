/**
 * The ImageListStore contract (`image-list-store.ts`) over kysely, for every SQL dialect. Rows
 * join their owner's and group's names; members come back ordered by image id. A publish is one conditional
 * update (`where version is the one read`), so the first of two racing instances wins.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { guardConstraints } from './constraint-guard.js';
import type { Database, ImageListsTable } from './database-schema.js';
import type { ImageListFields, ImageListRow, ImageListStore } from './image-list-store.js';
import type { MetadataDialect } from './metadata-dialect.js';

type Row = Selectable<ImageListsTable> & { owner_name: string; group_name: string | null };

function toRow(row: Row): ImageListRow {
  const published =
    row.version === null || row.document === null || row.content_digest === null || row.signed === null || row.expires === null
      ? null
      : { version: Number(row.version), document: row.document, contentDigest: row.content_digest, signed: row.signed, expires: row.expires };
  return {
    id: row.id,
    uuid: row.uuid,
    ownerId: row.owner_id,
    owner: row.owner_name,
    name: row.name,
    title: row.title,
    description: row.description,
    vo: row.vo,
    groupId: row.group_id,
    group: row.group_name,
    created: row.created,
    modified: row.modified,
    published,
  };
}

function fieldColumns(fields: ImageListFields): Partial<Selectable<ImageListsTable>> {
  return {
    ...(fields.title !== undefined && { title: fields.title }),
    ...(fields.description !== undefined && { description: fields.description }),
    ...(fields.vo !== undefined && { vo: fields.vo }),
    ...(fields.groupId !== undefined && { group_id: fields.groupId }),
  };
}

export function createSqlImageListStore(db: Kysely<Database>, dialect: MetadataDialect): ImageListStore {
  const select = (executor: Kysely<Database> = db) =>
    executor
      .selectFrom('image_lists')
      .innerJoin('users as owner', 'owner.id', 'image_lists.owner_id')
      .leftJoin('groups as grp', 'grp.id', 'image_lists.group_id')
      .selectAll('image_lists')
      .select(['owner.name as owner_name', 'grp.name as group_name']);

  const byId = async (id: number, executor: Kysely<Database> = db) => {
    const row = await select(executor).where('image_lists.id', '=', id).executeTakeFirst();
    return row && toRow(row);
  };

  async function setMembers(trx: Transaction<Database>, listId: number, imageIds: readonly number[]): Promise<void> {
    await trx.deleteFrom('image_list_members').where('list_id', '=', listId).execute();
    const unique = [...new Set(imageIds)];
    if (unique.length > 0) await trx.insertInto('image_list_members').values(unique.map((image_id) => ({ list_id: listId, image_id }))).execute();
  }

  return {
    create: (list, imageIds) =>
      guardConstraints(dialect, { unique: `a list named ${list.name}`, missing: 'an image, the owner or the group' }, () =>
        db.transaction().execute(async (trx) => {
          const now = new Date().toISOString();
          const { id } = await trx
            .insertInto('image_lists')
            .values({ uuid: randomUUID(), owner_id: list.ownerId, name: list.name, title: list.title, description: list.description ?? '', vo: list.vo ?? null, group_id: list.groupId ?? null, created: now, modified: now })
            .returning('id')
            .executeTakeFirstOrThrow();
          await setMembers(trx, id, imageIds);
          const row = await byId(id, trx);
          if (row === undefined) throw new Error('the new image list vanished');
          return row;
        }),
      ),

    async find(ownerId, name) {
      const row = await select().where('image_lists.owner_id', '=', ownerId).where('image_lists.name', '=', name).executeTakeFirst();
      return row && toRow(row);
    },

    async list(ownerId) {
      let query = select().orderBy('owner.name').orderBy('image_lists.name');
      if (ownerId !== undefined) query = query.where('image_lists.owner_id', '=', ownerId);
      return (await query.execute()).map(toRow);
    },

    update: (id, fields, imageIds) =>
      guardConstraints(dialect, { missing: 'an image or the group' }, () =>
        db.transaction().execute(async (trx) => {
          const changed = await trx.updateTable('image_lists').set({ ...fieldColumns(fields), modified: new Date().toISOString() }).where('id', '=', id).returning('id').executeTakeFirst();
          if (changed === undefined) return undefined;
          if (imageIds !== undefined) await setMembers(trx, id, imageIds);
          return byId(id, trx);
        }),
      ),

    async delete(id) {
      const result = await db.deleteFrom('image_lists').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async memberIds(listId) {
      const rows = await db.selectFrom('image_list_members').select('image_id').where('list_id', '=', listId).orderBy('image_id').execute();
      return rows.map((row) => row.image_id);
    },

    async publish(listId, previousVersion, published) {
      let query = db
        .updateTable('image_lists')
        .set({ version: published.version, document: published.document, content_digest: published.contentDigest, signed: published.signed, expires: published.expires })
        .where('id', '=', listId);
      query = previousVersion === null ? query.where('version', 'is', null) : query.where('version', '=', previousVersion);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async sha512Of(blobKeys) {
      if (blobKeys.length === 0) return new Map();
      const rows = await db.selectFrom('blob_sha512').select(['blob_key', 'sha512']).where('blob_key', 'in', [...blobKeys]).execute();
      return new Map(rows.map((row) => [row.blob_key, row.sha512]));
    },

    async recordSha512(blobKey, sha512) {
      await db
        .insertInto('blob_sha512')
        .values({ blob_key: blobKey, sha512, computed: new Date().toISOString() })
        .onConflict((oc) => oc.column('blob_key').doNothing())
        .execute();
    },

    async blobsAwaitingSha512(limit) {
      const rows = await db
        .selectFrom('image_list_members as m')
        .innerJoin('images', 'images.id', 'm.image_id')
        .leftJoin('blob_sha512 as s', 's.blob_key', 'images.blob_key')
        .select('images.blob_key')
        .distinct()
        .where('images.blob_key', 'is not', null)
        .where('s.blob_key', 'is', null)
        .limit(limit)
        .execute();
      return rows.map((row) => row.blob_key).filter((key): key is string => key !== null);
    },
  };
}
