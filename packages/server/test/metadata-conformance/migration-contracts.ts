/**
 * Conformance: the schema. Migrations apply once and a second run is a no-op, also when two
 * instances start on a fresh database at the same moment; the built-in groups are seeded with
 * their permissions; the database answers ping.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
