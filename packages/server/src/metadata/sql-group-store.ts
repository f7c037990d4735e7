/**
 * The GroupStore contract (`metadata-store.ts`) over kysely, for every SQL dialect: groups,
 * their members and their permissions. A change to members or permissions first locks the
 * group's row (`group-lock.ts`), then writes with ON CONFLICT DO NOTHING (two instances adding
 * the same member both succeed), then bumps the group's `modified` time, all in one
 * transaction; a group or user deleted meanwhile gives MissingReference.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { guardConstraints } from './constraint-guard.js';
import type { Database, GroupsTable } from './database-schema.js';
import { isOnlyMember, lockGroup } from './group-lock.js';
import type { MetadataDialect } from './metadata-dialect.js';
import type { GroupRecord, GroupStore, GroupVomsChanges, NewGroup } from './metadata-store.js';
import { reusableQuery } from './reusable-query.js';
import { LastMember, MissingReference } from './store-errors.js';

function toGroupRecord(row: Selectable<GroupsTable>): GroupRecord {
  return {
    id: row.id,
    name: row.name,
    protected: row.protected === 1,
    vomsFqans: JSON.parse(row.voms_fqans) as string[],
    vomsAutoRegister: row.voms_auto_register === 1,
    created: row.created,
    modified: row.modified,
  };
}

/** The columns of the VOMS settings present in `changes`. */
function vomsColumns(changes: GroupVomsChanges): Partial<Pick<Selectable<GroupsTable>, 'voms_fqans' | 'voms_auto_register'>> {
  return {
    ...(changes.vomsFqans !== undefined && { voms_fqans: JSON.stringify(changes.vomsFqans) }),
    ...(changes.vomsAutoRegister !== undefined && { voms_auto_register: changes.vomsAutoRegister ? 1 : 0 }),
  };
}

export function createSqlGroupStore(db: Kysely<Database>, dialect: MetadataDialect): GroupStore {
  // Asked on every whoami and user view: compiled once (reusable-query.ts).
  const groupNameRows = reusableQuery(db, (userIds: readonly number[]) =>
    db
      .selectFrom('group_members')
      .innerJoin('groups', 'groups.id', 'group_members.group_id')
      .select(['group_members.user_id', 'groups.name'])
      .where('group_members.user_id', 'in', userIds)
      .orderBy('groups.name'));
  const touch = (trx: Transaction<Database>, groupId: number) =>
    trx.updateTable('groups').set({ modified: new Date().toISOString() }).where('id', '=', groupId).execute();

  /** Runs `change` under the group's lock and bumps `modified` when it reports a change; undefined when the group is gone. */
  const changeGroup = (groupId: number, change: (trx: Transaction<Database>) => Promise<boolean>): Promise<boolean | undefined> =>
    db.transaction().execute(async (trx) => {
      if ((await lockGroup(trx, groupId)) === undefined) return undefined;
      const changed = await change(trx);
      if (changed) await touch(trx, groupId);
      return changed;
    });

  return {
    create: (group: NewGroup, memberIds: readonly number[], permissions: readonly string[]) =>
      guardConstraints(dialect, { unique: `a group named ${group.name}`, missing: 'one of the members' }, () =>
        db.transaction().execute(async (trx) => {
          const now = new Date().toISOString();
          const row = await trx
            .insertInto('groups')
            .values({ name: group.name, protected: group.protected ? 1 : 0, ...vomsColumns(group), created: now, modified: now })
            .returningAll()
            .executeTakeFirstOrThrow();
          const members = [...new Set(memberIds)];
          if (members.length > 0) {
            await trx.insertInto('group_members').values(members.map((user_id) => ({ group_id: row.id, user_id }))).execute();
          }
          const granted = [...new Set(permissions)];
          if (granted.length > 0) {
            await trx.insertInto('group_permissions').values(granted.map((permission) => ({ group_id: row.id, permission }))).execute();
          }
          return toGroupRecord(row);
        }),
      ),

    async findByName(name) {
      const row = await db.selectFrom('groups').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toGroupRecord(row);
    },

    async list() {
      return (await db.selectFrom('groups').selectAll().orderBy('name').execute()).map(toGroupRecord);
    },

    rename: (id: number, name: string) =>
      guardConstraints(dialect, { unique: `a group named ${name}` }, async () => {
        const row = await db
          .updateTable('groups')
          .set({ name, modified: new Date().toISOString() })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        return row && toGroupRecord(row);
      }),

    async setVoms(id, changes) {
      const row = await db
        .updateTable('groups')
        .set({ ...vomsColumns(changes), modified: new Date().toISOString() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toGroupRecord(row);
    },

    async listWithVomsFqans() {
      const rows = await db.selectFrom('groups').selectAll().where('voms_fqans', '!=', '[]').orderBy('name').execute();
      return rows.map(toGroupRecord);
    },

    async delete(id) {
      const result = await db.deleteFrom('groups').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async memberNames(groupId) {
      const rows = await db
        .selectFrom('group_members')
        .innerJoin('users', 'users.id', 'group_members.user_id')
        .select('users.name')
        .where('group_members.group_id', '=', groupId)
        .orderBy('users.name')
        .execute();
      return rows.map((row) => row.name);
    },

    async groupNamesOf(userIds) {
      const result = new Map<number, string[]>(userIds.map((id) => [id, []]));
      if (userIds.length === 0) return result;
      const rows = await groupNameRows(userIds);
      for (const row of rows) result.get(row.user_id)?.push(row.name);
      return result;
    },

    async addMember(groupId, userId) {
      const changed = await guardConstraints(dialect, { missing: 'the user' }, () =>
        changeGroup(groupId, async (trx) => {
          const added = await trx
            .insertInto('group_members')
            .values({ group_id: groupId, user_id: userId })
            .onConflict((oc) => oc.doNothing())
            .returning('user_id')
            .executeTakeFirst();
          return added !== undefined;
        }),
      );
      if (changed === undefined) throw new MissingReference('the group');
    },

    async removeMember(groupId, userId, options = {}) {
      const changed = await changeGroup(groupId, async (trx) => {
        if (options.keepLast === true && (await isOnlyMember(trx, groupId, userId))) {
          throw new LastMember('the last member of the group');
        }
        const result = await trx
          .deleteFrom('group_members')
          .where('group_id', '=', groupId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
      return changed === true;
    },

    async permissionsOf(groupId) {
      const rows = await db
        .selectFrom('group_permissions')
        .select('permission')
        .where('group_id', '=', groupId)
        .orderBy('permission')
        .execute();
      return rows.map((row) => row.permission);
    },

    async permissionsOfUser(userId) {
      const rows = await db
        .selectFrom('group_permissions')
        .innerJoin('group_members', 'group_members.group_id', 'group_permissions.group_id')
        .select('group_permissions.permission')
        .distinct()
        .where('group_members.user_id', '=', userId)
        .orderBy('group_permissions.permission')
        .execute();
      return rows.map((row) => row.permission);
    },

    async grant(groupId, permission) {
      const changed = await changeGroup(groupId, async (trx) => {
        const granted = await trx
          .insertInto('group_permissions')
          .values({ group_id: groupId, permission })
          .onConflict((oc) => oc.doNothing())
          .returning('permission')
          .executeTakeFirst();
        return granted !== undefined;
      });
      if (changed === undefined) throw new MissingReference('the group');
    },

    async revoke(groupId, permission) {
      const changed = await changeGroup(groupId, async (trx) => {
        const result = await trx
          .deleteFrom('group_permissions')
          .where('group_id', '=', groupId)
          .where('permission', '=', permission)
          .executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
      return changed === true;
    },
  };
}
