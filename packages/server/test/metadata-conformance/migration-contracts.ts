/**
 * Conformance: the schema. Migrations apply once and a second run is a no-op, also when two
 * instances start on a fresh database at the same moment; the built-in groups are seeded with
 * their permissions; the database answers ping; a database of an earlier version is upgraded in
 * place, its rows kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Migrator } from 'kysely';
import { migrationsFor } from '../../src/metadata/migrate.js';
import { PERMISSIONS } from '../../src/services/permissions.js';
import { withDatabase, type MetadataBackend } from './harness.js';

export function migrationContracts(backend: MetadataBackend): void {
  test(
    'migrations apply once, in order, and a second run is a no-op',
    withDatabase(
      backend,
      async ({ metadata }) => {
        const all = Object.keys(migrationsFor(metadata.dialect));
        assert.deepEqual(all, [...all].sort(), 'migration names sort in the order they apply');
        assert.deepEqual((await metadata.migrate()).applied, all);
        assert.deepEqual((await metadata.migrate()).applied, []);
      },
      { migrate: false },
    ),
  );

  test(
    'two instances migrating a fresh database at once apply each migration once between them',
    withDatabase(
      backend,
      async ({ metadata, open }) => {
        const other = open();
        const [first, second] = await Promise.all([metadata.migrate(), other.migrate()]);
        const all = Object.keys(migrationsFor(metadata.dialect));
        assert.deepEqual([...first.applied, ...second.applied].sort(), all);
        assert.deepEqual((await metadata.groups.list()).map((g) => g.name), ['admins', 'users'], 'seeded once');
      },
      { migrate: false },
    ),
  );

  test(
    'the protected groups admins (every permission) and users (image_create) are seeded',
    withDatabase(backend, async ({ metadata }) => {
      const groups = await metadata.groups.list();
      assert.deepEqual(groups.map((g) => [g.name, g.protected]), [['admins', true], ['users', true]]);
      const [admins, users] = groups;
      assert.deepEqual(await metadata.groups.permissionsOf(admins!.id), [...PERMISSIONS].sort());
      assert.deepEqual(await metadata.groups.permissionsOf(users!.id), ['image_create']);
      assert.deepEqual(await metadata.groups.memberNames(admins!.id), []);
    }),
  );

  test(
    '0003 upgrades a database of version 0002 in place: groups, members and shares kept, no VOMS settings',
    withDatabase(
      backend,
      async ({ metadata }) => {
        const migrator = new Migrator({ db: metadata.db, provider: { getMigrations: async () => migrationsFor(metadata.dialect) } });
        const upTo2 = await migrator.migrateTo('0002-byte-order-names');
        assert.equal(upTo2.error, undefined);
        const now = new Date().toISOString();
        const team = await metadata.db.insertInto('groups').values({ name: 'atlas', protected: 0, created: now, modified: now } as never).returning('id').executeTakeFirstOrThrow();
        const user = await metadata.db.insertInto('users').values({ name: 'bob', client_dn: '/O=Grid/CN=bob', full_name: '', email: '', suspended: 0, created: now, modified: now }).returning('id').executeTakeFirstOrThrow();
        await metadata.db.insertInto('group_members').values({ group_id: team.id, user_id: user.id }).execute();
        await metadata.db.insertInto('group_permissions').values({ group_id: team.id, permission: 'image_modify' }).execute();

        assert.equal((await metadata.migrate()).applied[0], '0003-voms-groups');
        const atlas = await metadata.groups.findByName('atlas');
        assert.deepEqual([atlas?.vomsFqans, atlas?.vomsAutoRegister, atlas?.modified], [[], false, now]);
        assert.deepEqual(await metadata.groups.memberNames(team.id), ['bob']);
        assert.deepEqual(await metadata.groups.permissionsOf(team.id), ['image_modify']);
        assert.deepEqual(await metadata.groups.listWithVomsFqans(), []);
        const set = await metadata.groups.setVoms(team.id, { vomsFqans: ['/atlas', '/atlas/Role=production'], vomsAutoRegister: true });
        assert.deepEqual([set?.vomsFqans, set?.vomsAutoRegister], [['/atlas', '/atlas/Role=production'], true]);
        assert.deepEqual((await metadata.groups.listWithVomsFqans()).map((g) => g.name), ['atlas']);
        const onlyFlag = await metadata.groups.setVoms(team.id, { vomsAutoRegister: false });
        assert.deepEqual([onlyFlag?.vomsFqans, onlyFlag?.vomsAutoRegister], [['/atlas', '/atlas/Role=production'], false], 'an absent field is left as it is');
        assert.equal(await metadata.groups.setVoms(team.id + 1000, { vomsAutoRegister: true }), undefined);
      },
      { migrate: false },
    ),
  );

  test(
    'the database answers ping',
    withDatabase(backend, async ({ metadata }) => {
      await metadata.ping();
    }),
  );

  test(
    'the write probe (readiness) succeeds and changes nothing',
    withDatabase(backend, async ({ metadata }) => {
      const before = await metadata.groups.list();
      await metadata.probeWrite();
      await metadata.probeWrite();
      assert.deepEqual(await metadata.groups.list(), before);
    }),
  );
}
