/**
 * The UserStore contract (`metadata-store.ts`) over kysely, for every SQL dialect. Rows are
 * mapped to records here (0/1 to booleans); engine-specific constraint violations are turned
 * into UniqueViolation and MissingReference through the dialect. Deleting a user that must
 * not be a group's last member locks that group's row first (`group-lock.ts`), so that two
 * instances deleting the last two admins cannot both succeed.
 */
import type { Kysely, Selectable } from 'kysely';
import { guardConstraints } from './constraint-guard.js';
import type { Database, UsersTable } from './database-schema.js';
import { isOnlyMember, lockGroup } from './group-lock.js';
import type { MetadataDialect } from './metadata-dialect.js';
import type { NewUser, UserChanges, UserRecord, UserStore } from './metadata-store.js';
import { reusableQuery } from './reusable-query.js';
import { LastMember } from './store-errors.js';

export const USERS_GROUP = 'users';

export function toUserRecord(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    name: row.name,
    clientDn: row.client_dn,
    fullName: row.full_name,
    email: row.email,
    suspended: row.suspended === 1,
    created: row.created,
    modified: row.modified,
    quotaBytes: row.quota_bytes === null ? null : Number(row.quota_bytes),
    quotaImages: row.quota_images,
  };
}

export function createSqlUserStore(db: Kysely<Database>, dialect: MetadataDialect): UserStore {
  // Every image URL names its owner, every new caller is found by DN: compiled once (reusable-query.ts).
  const byName = reusableQuery(db, (name: string) => db.selectFrom('users').selectAll().where('name', '=', name));
  const byDn = reusableQuery(db, (dn: string) => db.selectFrom('users').selectAll().where('client_dn', '=', dn));
  return {
    create: (user: NewUser, groupIds: readonly number[]) =>
      guardConstraints(dialect, { unique: 'a user with this name or DN', missing: 'one of the groups' }, () =>
        db.transaction().execute(async (trx) => {
          const now = new Date().toISOString();
          const row = await trx
            .insertInto('users')
            .values({
              name: user.name,
              client_dn: user.clientDn,
              full_name: user.fullName ?? '',
              email: user.email ?? '',
              suspended: user.suspended ? 1 : 0,
              created: now,
              modified: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          const everyone = await trx.selectFrom('groups').select('id').where('name', '=', USERS_GROUP).executeTakeFirstOrThrow();
          const groups = [...new Set([everyone.id, ...groupIds])];
          await trx.insertInto('group_members').values(groups.map((group_id) => ({ group_id, user_id: row.id }))).execute();
          return toUserRecord(row);
        }),
      ),

    async findByName(name) {
      const [row] = await byName(name);
      return row && toUserRecord(row);
    },

    async findByDn(dn) {
      const [row] = await byDn(dn);
      return row && toUserRecord(row);
    },

    async list() {
      const rows = await db.selectFrom('users').selectAll().orderBy('name').execute();
      return rows.map(toUserRecord);
    },

    update: (id: number, changes: UserChanges) =>
      guardConstraints(dialect, { unique: 'a user with this DN' }, async () => {
        const row = await db
          .updateTable('users')
          .set({
            ...(changes.clientDn !== undefined && { client_dn: changes.clientDn }),
            ...(changes.fullName !== undefined && { full_name: changes.fullName }),
            ...(changes.email !== undefined && { email: changes.email }),
            ...(changes.suspended !== undefined && { suspended: changes.suspended ? 1 : 0 }),
            ...(changes.quotaBytes !== undefined && { quota_bytes: changes.quotaBytes }),
            ...(changes.quotaImages !== undefined && { quota_images: changes.quotaImages }),
            modified: new Date().toISOString(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        return row && toUserRecord(row);
      }),

    async delete(id, options = {}) {
      const keep = options.keepMemberIn;
      if (keep === undefined) {
        const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      }
      return db.transaction().execute(async (trx) => {
        const group = await lockGroup(trx, keep);
        if (group !== undefined && (await isOnlyMember(trx, keep, id))) throw new LastMember(`the last member of ${group}`);
        const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
    },
  };
}
