/**
 * Conformance: the schema. Migrations apply once and a second run is a no-op, also when two
 * instances start on a fresh database at the same moment; the built-in groups are seeded with
 * their permissions; the database answers ping; a database of an earlier version is upgraded in
 * place, its rows kept (0003: groups; 0004: images, whose disk format stays unknown until
 * their next upload; 0006: each image's current content becomes its version row, same blob).
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

        assert.deepEqual((await metadata.migrate()).applied.slice(0, 1), ['0003-voms-groups'], 'then the later ones');
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
    '0004 upgrades a database of version 0003 in place: images kept, disk format and virtual size unknown, minimums 0',
    withDatabase(
      backend,
      async ({ metadata }) => {
        const migrator = new Migrator({ db: metadata.db, provider: { getMigrations: async () => migrationsFor(metadata.dialect) } });
        assert.equal((await migrator.migrateTo('0003-voms-groups')).error, undefined);
        const now = new Date().toISOString();
        const user = await metadata.db.insertInto('users').values({ name: 'bob', client_dn: '/O=Grid/CN=bob', full_name: '', email: '', suspended: 0, created: now, modified: now }).returning('id').executeTakeFirstOrThrow();
        const row = {
          owner_id: user.id, name: 'sl6.img', uuid: '6f1c0b8e-3a57-4c1e-9f55-0d7e7d0b2a11', description: 'old', os_variant: '', os_type: '', os_arch: '',
          hypervisor: 'kvm', size: 5 * 1024 ** 3, checksum: 'a'.repeat(64), blob_key: 'blobs/aa/bb', version: 3, status: 'ready', created: now,
          uploaded: now, modified: now, expires: null, read_only: 0, unauthenticated_access: 1,
        };
        const { id } = await metadata.db.insertInto('images').values(row as never).returning('id').executeTakeFirstOrThrow();

        assert.deepEqual((await metadata.migrate()).applied.slice(0, 1), ['0004-disk-formats']);
        const image = await metadata.images.findById(id);
        assert.deepEqual(
          [image?.name, image?.size, image?.blobKey, image?.version, image?.hypervisor, image?.unauthenticatedAccess, image?.modified],
          ['sl6.img', 5 * 1024 ** 3, 'blobs/aa/bb', 3, 'kvm', true, now],
        );
        assert.deepEqual([image?.diskFormat, image?.virtualSize, image?.minDisk, image?.minRam], [null, null, 0, 0]);
        const uploaded = await metadata.images.recordUpload(id, { key: 'k', size: 1, sha256: 'b'.repeat(64), detected: { diskFormat: 'raw', virtualSize: 1 } });
        assert.deepEqual([uploaded?.diskFormat, uploaded?.virtualSize, uploaded?.version], ['raw', 1, 4]);
      },
      { migrate: false },
    ),
  );

  test(
    '0006 upgrades a database of version 0005 in place: the current content of each image becomes its version n, naming the same blob',
    withDatabase(
      backend,
      async ({ metadata }) => {
        const migrator = new Migrator({ db: metadata.db, provider: { getMigrations: async () => migrationsFor(metadata.dialect) } });
        assert.equal((await migrator.migrateTo('0005-quotas')).error, undefined);
        const now = new Date().toISOString();
        const user = await metadata.db.insertInto('users').values({ name: 'bob', client_dn: '/O=Grid/CN=bob', full_name: '', email: '', suspended: 0, created: now, modified: now }).returning('id').executeTakeFirstOrThrow();
        const base = {
          owner_id: user.id, description: '', os_variant: '', os_type: '', os_arch: '', hypervisor: '', created: now, modified: now, expires: null,
          read_only: 0, unauthenticated_access: 0, disk_format_set: 0, min_disk: 0, min_ram: 0,
        };
        const ready = await metadata.db
          .insertInto('images')
          .values({ ...base, name: 'sl6.img', uuid: '6f1c0b8e-3a57-4c1e-9f55-0d7e7d0b2a11', size: 5 * 1024 ** 3, checksum: 'a'.repeat(64), blob_key: 'blobs/aa/bb', version: 7, status: 'ready', uploaded: '2011-05-01T10:00:00.000Z', disk_format: 'qcow2', virtual_size: 10 * 1024 ** 3 } as never)
          .returning('id')
          .executeTakeFirstOrThrow();
        const empty = await metadata.db
          .insertInto('images')
          .values({ ...base, name: 'slot.img', uuid: '6f1c0b8e-3a57-4c1e-9f55-0d7e7d0b2a12', size: null, checksum: null, blob_key: null, version: 0, status: 'empty', uploaded: null, disk_format: null, virtual_size: null } as never)
          .returning('id')
          .executeTakeFirstOrThrow();

        assert.deepEqual((await metadata.migrate()).applied.slice(0, 1), ['0006-image-versions'], 'then the later ones');
        assert.deepEqual(await metadata.images.listVersions(ready.id), [
          { version: 7, blobKey: 'blobs/aa/bb', size: 5 * 1024 ** 3, sha256: 'a'.repeat(64), diskFormat: 'qcow2', virtualSize: 10 * 1024 ** 3, uploaded: '2011-05-01T10:00:00.000Z', uploadedBy: null },
        ]);
        assert.deepEqual(await metadata.images.listVersions(empty.id), []);
        const image = await metadata.images.findById(ready.id);
        assert.deepEqual([image?.version, image?.versions, image?.blobKey, image?.modified], [7, 1, 'blobs/aa/bb', now], 'the image row is unchanged');
        assert.deepEqual((await metadata.quotas.usageOf([user.id])).get(user.id), { bytes: 5 * 1024 ** 3, images: 2 }, 'usage as before the upgrade');
        const uploaded = await metadata.images.recordUpload(ready.id, { key: 'blobs/cc', size: 1, sha256: 'b'.repeat(64) }, { uploadedBy: 'bob', keepVersions: 5 });
        assert.deepEqual([uploaded?.version, uploaded?.versions], [8, 2]);
        const rolled = await metadata.images.rollback(ready.id, 7);
        assert.equal(rolled.kind === 'done' && rolled.image.blobKey, 'blobs/aa/bb', 'the pre-upgrade version rolls back like any other');
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
