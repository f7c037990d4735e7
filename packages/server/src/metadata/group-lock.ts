/**
 * Serializing changes to one group's membership across server instances: inside a
 * transaction, `lockGroup` updates the group's row without changing it, which holds the row
 * lock until commit on PostgreSQL (SQLite's BEGIN IMMEDIATE already serializes all writers).
 * Every membership change that must see a stable member list (adding, removing, the last
 * admin rule) takes it first, so that checks and writes of two instances never interleave and
 * a concurrent deletion of the group waits or is seen.
 */
import type { Transaction } from 'kysely';
import type { Database } from './database-schema.js';

/** Locks the group's row until the transaction ends; its name, or undefined when it is gone. */
export async function lockGroup(trx: Transaction<Database>, groupId: number): Promise<string | undefined> {
  const row = await trx
    .updateTable('groups')
    .set((eb) => ({ modified: eb.ref('modified') }))
    .where('id', '=', groupId)
    .returning('name')
    .executeTakeFirst();
  return row?.name;
}

/** Whether `userId` is the group's one and only member (read under the group's lock). */
export async function isOnlyMember(trx: Transaction<Database>, groupId: number, userId: number): Promise<boolean> {
  const rows = await trx.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).limit(2).execute();
  return rows.length === 1 && rows[0]?.user_id === userId;
}
