/**
 * The QuotaStore contract (`quota-store.ts`) over kysely, for every SQL dialect. Usage is one
 * aggregate over the user's image rows (when versions are kept, the same query sums the kept
 * versions instead). A reservation locks the user's row (an update that changes nothing, held
 * until commit on PostgreSQL; SQLite's BEGIN IMMEDIATE serializes all writers), then counts
 * and inserts in the same transaction, so that two instances cannot both pass the check.
 * Sums are cast to bigint so that PostgreSQL answers int8 (a number) rather than numeric.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database-schema.js';
import type { QuotaStore, QuotaUsage } from './quota-store.js';
import { reusableQuery } from './reusable-query.js';

const bigintSum = (column: string) => sql<number>`cast(coalesce(sum(${sql.ref(column)}), 0) as bigint)`;

/** Bytes of the versions beyond the newest `keep - 1` (those a new version pushes out); keep 0 keeps all. */
async function pushedOut(executor: Kysely<Database>, imageId: number, keep: number): Promise<number> {
  if (keep <= 0) return 0;
  const row = await executor
    .selectFrom('image_versions')
    .select(bigintSum('size').as('bytes'))
    .where('image_id', '=', imageId)
    .where('version', 'not in', (eb) => eb.selectFrom('image_versions').select('version').where('image_id', '=', imageId).orderBy('version', 'desc').limit(keep - 1))
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

async function lockUser(trx: Transaction<Database>, userId: number): Promise<boolean> {
  const row = await trx.updateTable('users').set((eb) => ({ modified: eb.ref('modified') })).where('id', '=', userId).returning('id').executeTakeFirst();
  return row !== undefined;
}

export function createSqlQuotaStore(db: Kysely<Database>): QuotaStore {
  // Asked on every whoami: compiled once (reusable-query.ts).
  const usageRows = reusableQuery(db, (userIds: readonly number[]) =>
    db
      .selectFrom('images')
      .leftJoin('image_versions as v', 'v.image_id', 'images.id')
      .select(['images.owner_id', bigintSum('v.size').as('bytes'), (eb) => eb.fn.count<number>('images.id').distinct().as('images')])
      .where('images.owner_id', 'in', userIds)
      .groupBy('images.owner_id'));
  // One statement, so one snapshot on PostgreSQL: an image committed and its reservation
  // released between two statements would otherwise be counted by neither.
  async function held(executor: Kysely<Database>, userId: number): Promise<QuotaUsage> {
    const now = new Date().toISOString();
    const { rows } = await sql<{ images: number; bytes: number; reserved_images: number; reserved_bytes: number }>`
      select
        (select count(*) from images where owner_id = ${userId}) as images,
        (select ${bigintSum('v.size')} from image_versions as v inner join images as i on i.id = v.image_id where i.owner_id = ${userId}) as bytes,
        (select ${bigintSum('images')} from quota_reservations where user_id = ${userId} and expires > ${now}) as reserved_images,
        (select ${bigintSum('bytes')} from quota_reservations where user_id = ${userId} and expires > ${now}) as reserved_bytes`.execute(executor);
    const row = rows[0];
    if (row === undefined) throw new Error('the usage query answered no row');
    return { bytes: Number(row.bytes) + Number(row.reserved_bytes), images: Number(row.images) + Number(row.reserved_images) };
  }

  return {
    async usageOf(userIds) {
      const usage = new Map<number, QuotaUsage>(userIds.map((id) => [id, { bytes: 0, images: 0 }]));
      if (userIds.length === 0) return usage;
      const rows = await usageRows(userIds);
      for (const row of rows) usage.set(row.owner_id, { bytes: Number(row.bytes), images: Number(row.images) });
      return usage;
    },

    reserve: (request) =>
      db.transaction().execute(async (trx) => {
        if (!(await lockUser(trx, request.userId))) return { ok: false, userGone: true as const };
        const usage = await held(trx, request.userId);
        const replaced = request.replacesImageId === undefined ? 0 : await pushedOut(trx, request.replacesImageId, request.keepVersions ?? 0);
        const bytes = Math.max(0, request.bytes - Number(replaced));
        const { limits } = request;
        if (request.images > 0 && limits.images > 0 && usage.images + request.images > limits.images) {
          return { ok: false, usage, exceeds: 'images' as const };
        }
        if (bytes > 0 && limits.bytes > 0 && usage.bytes + bytes > limits.bytes) return { ok: false, usage, exceeds: 'bytes' as const };
        const { id } = await trx
          .insertInto('quota_reservations')
          .values({ user_id: request.userId, bytes, images: request.images, expires: new Date(Date.now() + request.ttlMs).toISOString() })
          .returning('id')
          .executeTakeFirstOrThrow();
        return { ok: true, id };
      }),

    pushedOutBytes: (imageId, keepVersions) => pushedOut(db, imageId, keepVersions),

    async renew(id, ttlMs) {
      await db.updateTable('quota_reservations').set({ expires: new Date(Date.now() + ttlMs).toISOString() }).where('id', '=', id).execute();
    },

    async release(id) {
      await db.deleteFrom('quota_reservations').where('id', '=', id).execute();
    },
  };
}
