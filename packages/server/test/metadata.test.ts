/**
 * The SQL metadata store on SQLite: migrations are idempotent, the built-in groups are seeded
 * with their permissions, uniqueness is enforced, and deleting a user removes its images rows
 * and memberships (ON DELETE CASCADE).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openMetadata, type OpenMetadata } from '../src/metadata/open-metadata.js';
import { UniqueViolation } from '../src/metadata/store-errors.js';
import { PERMISSIONS } from '../src/services/permissions.js';

let dir: string;
let metadata: OpenMetadata;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repoman-metadata-test-'));
  metadata = openMetadata(`sqlite:${join(dir, 'sub', 'repoman.db')}`);
});
after(async () => {
  await metadata.close();
  await rm(dir, { recursive: true, force: true });
});

test('migrations apply once and a second run is a no-op', async () => {
  assert.deepEqual((await metadata.migrate()).applied, ['0001-foundation']);
  assert.deepEqual((await metadata.migrate()).applied, []);
});

test('the protected groups admins (every permission) and users (image_create) are seeded', async () => {
  const groups = await metadata.groups.list();
  assert.deepEqual(groups.map((g) => [g.name, g.protected]), [['admins', true], ['users', true]]);
  const admins = groups.find((g) => g.name === 'admins')!;
  const users = groups.find((g) => g.name === 'users')!;
  assert.deepEqual(await metadata.groups.permissionsOf(admins.id), [...PERMISSIONS].sort());
  assert.deepEqual(await metadata.groups.permissionsOf(users.id), ['image_create']);
});

test('a new user is a member of users; names and DNs are unique', async () => {
  const bob = await metadata.users.create({ name: 'bob', clientDn: '/O=Grid/CN=Bob' }, []);
  assert.deepEqual((await metadata.groups.groupNamesOf([bob.id])).get(bob.id), ['users']);
  await assert.rejects(metadata.users.create({ name: 'bob', clientDn: '/O=Grid/CN=Other' }, []), UniqueViolation);
  await assert.rejects(metadata.users.create({ name: 'bobby', clientDn: '/O=Grid/CN=Bob' }, []), UniqueViolation);
  assert.equal((await metadata.users.list()).length, 1);
});

test('deleting a user deletes its images rows, shares and memberships', async () => {
  const pam = await metadata.users.create({ name: 'pam', clientDn: '/O=Grid/CN=Pam' }, []);
  const now = new Date().toISOString();
  const image = await metadata.db
    .insertInto('images')
    .values({ owner_id: pam.id, name: 'debian6.img.gz', uuid: 'u-1', created: now, modified: now, version: 0, status: 'empty', read_only: 0, unauthenticated_access: 0, description: '', os_variant: '', os_type: '', os_arch: '', hypervisor: '', size: null, checksum: null, blob_key: null, uploaded: null, expires: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const bob = (await metadata.users.findByName('bob'))!;
  await metadata.db.insertInto('image_user_shares').values({ image_id: image.id, user_id: bob.id }).execute();
  assert.equal(await metadata.users.delete(pam.id), true);
  assert.deepEqual(await metadata.db.selectFrom('images').selectAll().execute(), []);
  assert.deepEqual(await metadata.db.selectFrom('image_user_shares').selectAll().execute(), []);
  assert.deepEqual(await metadata.db.selectFrom('group_members').selectAll().where('user_id', '=', pam.id).execute(), []);
  assert.equal(await metadata.users.delete(pam.id), false);
});

test('the database answers ping', async () => {
  await metadata.ping();
});
