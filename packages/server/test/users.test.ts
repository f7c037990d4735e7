/**
 * The users routes: create, list, read, modify (self and with user_modify), delete (with the
 * user's images rows), DN uniqueness, a user's groups/images/shared, and who may do what.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_DN, createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/C=CA/O=Grid/OU=uvic.ca/CN=Bob Smith';
const PAM = '/C=CA/O=Grid/OU=uvic.ca/CN=Pam Jones';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test('an admin creates a user: 201, Location, the record, membership of users', async () => {
  const response = await t.request('POST', '/api/users', {
    dn: ADMIN_DN,
    json: { user_name: 'bob', client_dn: BOB, full_name: 'Bob Smith', email: 'bob@uvic.ca' },
  });
  assert.equal(response.statusCode, 201);
  assert.equal(response.headers.location, '/api/users/bob');
  const body = response.json();
  assert.deepEqual(
    { ...body, created: undefined, modified: undefined },
    { user_name: 'bob', client_dn: BOB, full_name: 'Bob Smith', email: 'bob@uvic.ca', suspended: false, groups: ['users'], created: undefined, modified: undefined,
      quota_bytes: 0, quota_images: 0, usage: { bytes: 0, images: 0 } },
  );
  assert.match(body.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('creating a user with groups puts it in them', async () => {
  await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'atlas' } });
  const response = await t.request('POST', '/api/users', { dn: ADMIN_DN, json: { user_name: 'pam', client_dn: PAM, groups: ['atlas'] } });
  assert.equal(response.statusCode, 201);
  assert.deepEqual(response.json().groups, ['atlas', 'users']);
});

test('creating a user in a group that does not exist is 404 GROUP_NOT_FOUND and creates nothing', async () => {
  const response = await t.request('POST', '/api/users', { dn: ADMIN_DN, json: { user_name: 'zed', client_dn: '/O=Grid/CN=Zed', groups: ['nope'] } });
  assert.equal(response.statusCode, 404);
  assert.equal(errorOf(response).code, 'GROUP_NOT_FOUND');
  assert.equal((await t.request('GET', '/api/users/zed', { dn: ADMIN_DN })).statusCode, 404);
});

test('a second user with the same DN or the same name is 409 CONFLICT', async () => {
  const sameDn = await t.request('POST', '/api/users', { dn: ADMIN_DN, json: { user_name: 'bob2', client_dn: BOB } });
  assert.equal(sameDn.statusCode, 409);
  assert.equal(errorOf(sameDn).code, 'CONFLICT');
  assert.match(errorOf(sameDn).message, /already registered to user bob/);
  const sameName = await t.request('POST', '/api/users', { dn: ADMIN_DN, json: { user_name: 'bob', client_dn: '/O=Grid/CN=Another' } });
  assert.equal(sameName.statusCode, 409);
  const takeDn = await t.request('PATCH', '/api/users/pam', { dn: ADMIN_DN, json: { client_dn: BOB } });
  assert.equal(takeDn.statusCode, 409);
});

test('any registered user lists and reads users and their groups', async () => {
  const list = await t.request('GET', '/api/users', { dn: BOB });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json().map((u: { user_name: string }) => u.user_name), ['admin', 'bob', 'pam']);
  const read = await t.request('GET', '/api/users/pam', { dn: BOB });
  assert.equal(read.json().client_dn, PAM);
  const groups = await t.request('GET', '/api/users/pam/groups', { dn: BOB });
  assert.deepEqual(groups.json(), ['atlas', 'users']);
});

test("a user's images and shared images lists answer [] until images exist", async () => {
  assert.deepEqual((await t.request('GET', '/api/users/bob/images', { dn: BOB })).json(), []);
  assert.deepEqual((await t.request('GET', '/api/users/bob/shared', { dn: BOB })).json(), []);
  assert.equal((await t.request('GET', '/api/users/ghost/images', { dn: BOB })).statusCode, 404);
});

test('reading a user that does not exist is 404 USER_NOT_FOUND', async () => {
  const response = await t.request('GET', '/api/users/ghost', { dn: BOB });
  assert.equal(response.statusCode, 404);
  assert.equal(errorOf(response).code, 'USER_NOT_FOUND');
});

test('a user may change its own full_name and email', async () => {
  const response = await t.request('PATCH', '/api/users/bob', { dn: BOB, json: { full_name: 'Robert Smith', email: 'rs@uvic.ca' } });
  assert.equal(response.statusCode, 200);
  assert.equal(response.json().full_name, 'Robert Smith');
  assert.equal(response.json().email, 'rs@uvic.ca');
});

test('a user without user_modify cannot change its own DN or suspension, nor another user', async () => {
  for (const json of [{ client_dn: '/O=Grid/CN=Fake' }, { suspended: true }]) {
    const response = await t.request('PATCH', '/api/users/bob', { dn: BOB, json });
    assert.equal(response.statusCode, 403);
    assert.equal(errorOf(response).code, 'FORBIDDEN');
  }
  const other = await t.request('PATCH', '/api/users/pam', { dn: BOB, json: { full_name: 'Hacked' } });
  assert.equal(other.statusCode, 403);
  assert.equal((await t.request('GET', '/api/users/pam', { dn: BOB })).json().full_name, '');
});

test('an admin changes a user DN; the old DN no longer logs in, the new one does', async () => {
  const newDn = '/C=CA/O=Grid/OU=uvic.ca/CN=Bob Smith 2';
  const response = await t.request('PATCH', '/api/users/bob', { dn: ADMIN_DN, json: { client_dn: newDn } });
  assert.equal(response.statusCode, 200);
  assert.equal((await t.request('GET', '/api/whoami', { dn: BOB })).statusCode, 401);
  assert.equal((await t.request('GET', '/api/whoami', { dn: newDn })).json().user_name, 'bob');
  await t.request('PATCH', '/api/users/bob', { dn: ADMIN_DN, json: { client_dn: BOB } });
});

test('a holder of user_modify who is not an admin cannot modify an admin account', async () => {
  await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'helpdesk', users: ['pam'], permissions: ['user_modify'] } });
  const onAdmin = await t.request('PATCH', '/api/users/admin', { dn: PAM, json: { client_dn: PAM.replace('Pam', 'Pam2') } });
  assert.equal(onAdmin.statusCode, 403);
  const onBob = await t.request('PATCH', '/api/users/bob', { dn: PAM, json: { email: 'b@uvic.ca' } });
  assert.equal(onBob.statusCode, 200);
});

test('deleting a user needs user_delete, answers 204, and removes its images rows', async () => {
  const denied = await t.request('DELETE', '/api/users/pam', { dn: BOB });
  assert.equal(denied.statusCode, 403);
  const pam = (await t.metadata.users.findByName('pam'))!;
  const now = new Date().toISOString();
  await t.metadata.db
    .insertInto('images')
    .values({ owner_id: pam.id, name: 'sl6.img', uuid: 'uuid-sl6', created: now, modified: now, version: 0, status: 'empty', read_only: 0, unauthenticated_access: 0, description: '', os_variant: '', os_type: '', os_arch: '', hypervisor: '', size: null, checksum: null, blob_key: null, uploaded: null, expires: null })
    .execute();
  const response = await t.request('DELETE', '/api/users/pam', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 204);
  assert.equal(response.body, '');
  assert.equal((await t.request('GET', '/api/users/pam', { dn: ADMIN_DN })).statusCode, 404);
  assert.deepEqual(await t.metadata.db.selectFrom('images').selectAll().execute(), []);
  assert.equal((await t.request('DELETE', '/api/users/pam', { dn: ADMIN_DN })).statusCode, 404);
});

test('the last admin cannot be deleted (409)', async () => {
  const response = await t.request('DELETE', '/api/users/admin', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 409);
  assert.equal(errorOf(response).code, 'CONFLICT');
});

test('a user without user_create cannot create users (403, nothing created)', async () => {
  const response = await t.request('POST', '/api/users', { dn: BOB, json: { user_name: 'eve', client_dn: '/O=Grid/CN=Eve' } });
  assert.equal(response.statusCode, 403);
  assert.equal(errorOf(response).code, 'FORBIDDEN');
  assert.match(errorOf(response).message, /user_create/);
  assert.equal(await t.metadata.users.findByName('eve'), undefined);
});
