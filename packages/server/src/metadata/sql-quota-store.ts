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

const bigintSum = (column: string) => sql<number>`cast(coalesce(sum(${sql.ref(column)}), 0) as bigint)`;

async function lockUser(trx: Transaction<Database>, userId: number): Promise<boolean> {
  const row = await trx.updateTable('users').set((eb) => ({ modified: eb.ref('modified') })).where('id', '=', userId).returning('id').executeTakeFirst();
  return row !== undefined;
}

export function createSqlQuotaStore(db: Kysely<Database>): QuotaStore {
  async function held(executor: Kysely<Database>, userId: number): Promise<QuotaUsage> {
    // One statement, so one snapshot: a concurrent claim's image (committed before its
    // reservation is released) is seen either as the image or as the reservation, never as
    // neither, as two statements under PostgreSQL's READ COMMITTED could.
    const now = new Date().toISOString();
    const row = await executor
      .selectNoFrom((eb) => [
        eb.selectFrom('images').select(bigintSum('size').as('v')).where('owner_id', '=', userId).as('image_bytes'),
        eb.selectFrom('images').select((e) => e.fn.countAll<number>().as('v')).where('owner_id', '=', userId).as('image_count'),
        eb.selectFrom('quota_reservations').select(bigintSum('bytes').as('v')).where('user_id', '=', userId).where('expires', '>', now).as('reserved_bytes'),
        eb.selectFrom('quota_reservations').select(bigintSum('images').as('v')).where('user_id', '=', userId).where('expires', '>', now).as('reserved_images'),
      ])
      .executeTakeFirstOrThrow();
    return { bytes: Number(row.image_bytes) + Number(row.reserved_bytes), images: Number(row.image_count) + Number(row.reserved_images) };
  }

  return {
    async usageOf(userIds) {
      const usage = new Map<number, QuotaUsage>(userIds.map((id) => [id, { bytes: 0, images: 0 }]));
      if (userIds.length === 0) return usage;
      const rows = await db
        .selectFrom('images')
        .select(['owner_id', bigintSum('size').as('bytes'), (eb) => eb.fn.countAll<number>().as('images')])
        .where('owner_id', 'in', userIds)
        .groupBy('owner_id')
        .execute();
      for (const row of rows) usage.set(row.owner_id, { bytes: Number(row.bytes), images: Number(row.images) });
      return usage;
    },

    reserve: (request) =>
      db.transaction().execute(async (trx) => {
        if (!(await lockUser(trx, request.userId))) return { ok: false, userGone: true as const };
        const usage = await held(trx, request.userId);
        const replaced =
          request.replacesImageId === undefined
            ? 0
            : ((await trx.selectFrom('images').select('size').where('id', '=', request.replacesImageId).where('owner_id', '=', request.userId).executeTakeFirst())
                ?.size ?? 0);
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

    async renew(id, ttlMs) {
      await db.updateTable('quota_reservations').set({ expires: new Date(Date.now() + ttlMs).toISOString() }).where('id', '=', id).execute();
    },

    async release(id) {
      await db.deleteFrom('quota_reservations').where('id', '=', id).execute();
    },
  };
}
