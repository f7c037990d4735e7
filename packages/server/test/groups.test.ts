/**
 * The groups routes: create, list, read, rename, delete; protected groups; membership
 * (add/remove, `users` cannot be left) and permissions (grant/revoke, unknown names, `admins`
 * unchangeable); and that users without the permissions are refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_DN, createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
});
after(() => t.close());

test('an admin creates a group with users and permissions: 201 and the group record', async () => {
  const response = await t.request('POST', '/api/groups', {
    dn: ADMIN_DN,
    json: { name: 'cms', users: ['bob'], permissions: ['image_modify'] },
  });
  assert.equal(response.statusCode, 201);
  assert.equal(response.headers.location, '/api/groups/cms');
  const body = response.json();
  assert.equal(body.name, 'cms');
  assert.equal(body.protected, false);
  assert.deepEqual(body.users, ['bob']);
  assert.deepEqual(body.permissions, ['image_modify']);
});

test('a group name already taken is 409', async () => {
  const response = await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'cms' } });
  assert.equal(response.statusCode, 409);
  assert.equal(errorOf(response).code, 'CONFLICT');
});

test('any registered user lists and reads groups, members and permissions', async () => {
  const list = await t.request('GET', '/api/groups', { dn: PAM });
  assert.deepEqual(list.json().map((g: { name: string }) => g.name), ['admins', 'cms', 'users']);
  assert.deepEqual((await t.request('GET', '/api/groups/cms', { dn: PAM })).json().users, ['bob']);
  assert.deepEqual((await t.request('GET', '/api/groups/cms/users', { dn: PAM })).json(), ['bob']);
  assert.deepEqual((await t.request('GET', '/api/groups/users/permissions', { dn: PAM })).json(), ['image_create']);
  assert.equal(errorOf(await t.request('GET', '/api/groups/nope', { dn: PAM })).code, 'GROUP_NOT_FOUND');
});

test('GET /api/permissions lists every permission name of the spec', async () => {
  const response = await t.request('GET', '/api/permissions', { dn: PAM });
  assert.deepEqual(response.json(), [
    'user_create', 'user_modify', 'user_delete',
    'group_create', 'group_modify', 'group_delete', 'group_modify_membership', 'group_modify_permissions',
    'image_create', 'image_modify', 'image_delete',
  ]);
});

test('adding and removing members changes the group and answers its record', async () => {
  const added = await t.request('PUT', '/api/groups/cms/users/pam', { dn: ADMIN_DN });
  assert.equal(added.statusCode, 200);
  assert.deepEqual(added.json().users, ['bob', 'pam']);
  const again = await t.request('PUT', '/api/groups/cms/users/pam', { dn: ADMIN_DN });
  assert.deepEqual(again.json().users, ['bob', 'pam'], 'adding twice is idempotent');
  assert.deepEqual((await t.request('GET', '/api/users/pam/groups', { dn: PAM })).json(), ['cms', 'users']);
  const removed = await t.request('DELETE', '/api/groups/cms/users/bob', { dn: ADMIN_DN });
  assert.equal(removed.statusCode, 200);
  assert.deepEqual(removed.json().users, ['pam']);
  assert.equal(errorOf(await t.request('PUT', '/api/groups/cms/users/ghost', { dn: ADMIN_DN })).code, 'USER_NOT_FOUND');
  assert.equal(errorOf(await t.request('PUT', '/api/groups/nope/users/bob', { dn: ADMIN_DN })).code, 'GROUP_NOT_FOUND');
});

test('nobody is removed from the users group (403)', async () => {
  const response = await t.request('DELETE', '/api/groups/users/users/bob', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 403);
  assert.deepEqual((await t.request('GET', '/api/users/bob/groups', { dn: BOB })).json(), ['users']);
});

test('granting a permission gives it to the members; revoking takes it back', async () => {
  const granted = await t.request('PUT', '/api/groups/cms/permissions/group_create', { dn: ADMIN_DN });
  assert.equal(granted.statusCode, 200);
  assert.deepEqual(granted.json().permissions, ['group_create', 'image_modify']);
  assert.ok((await t.request('GET', '/api/whoami', { dn: PAM })).json().permissions.includes('group_create'));
  assert.equal((await t.request('POST', '/api/groups', { dn: PAM, json: { name: 'pams' } })).statusCode, 201);
  const revoked = await t.request('DELETE', '/api/groups/cms/permissions/group_create', { dn: ADMIN_DN });
  assert.deepEqual(revoked.json().permissions, ['image_modify']);
  const refused = await t.request('POST', '/api/groups', { dn: PAM, json: { name: 'pams2' } });
  assert.equal(refused.statusCode, 403);
});

test('an unknown permission name is 400 PERMISSION_NOT_FOUND', async () => {
  const response = await t.request('PUT', '/api/groups/cms/permissions/fly', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 400);
  assert.equal(errorOf(response).code, 'PERMISSION_NOT_FOUND');
  const create = await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'x1', permissions: ['fly'] } });
  assert.equal(create.statusCode, 400);
  assert.equal(errorOf(create).code, 'PERMISSION_NOT_FOUND');
});

test('the permissions of admins cannot be changed (403)', async () => {
  for (const method of ['PUT', 'DELETE']) {
    const response = await t.request(method, '/api/groups/admins/permissions/user_create', { dn: ADMIN_DN });
    assert.equal(response.statusCode, 403, method);
  }
});

test('renaming a group keeps its members; built-in groups cannot be renamed', async () => {
  const renamed = await t.request('PATCH', '/api/groups/pams', { dn: ADMIN_DN, json: { name: 'pam-team' } });
  assert.equal(renamed.statusCode, 200);
  assert.equal(renamed.json().name, 'pam-team');
  assert.equal((await t.request('GET', '/api/groups/pams', { dn: ADMIN_DN })).statusCode, 404);
  const builtIn = await t.request('PATCH', '/api/groups/users', { dn: ADMIN_DN, json: { name: 'everyone' } });
  assert.equal(builtIn.statusCode, 403);
  const taken = await t.request('PATCH', '/api/groups/pam-team', { dn: ADMIN_DN, json: { name: 'cms' } });
  assert.equal(taken.statusCode, 409);
});

test('protected groups cannot be deleted (403); other groups can (204)', async () => {
  for (const name of ['admins', 'users']) {
    const response = await t.request('DELETE', `/api/groups/${name}`, { dn: ADMIN_DN });
    assert.equal(response.statusCode, 403, name);
    assert.equal(errorOf(response).code, 'FORBIDDEN');
  }
  const deleted = await t.request('DELETE', '/api/groups/pam-team', { dn: ADMIN_DN });
  assert.equal(deleted.statusCode, 204);
  assert.equal((await t.request('GET', '/api/groups/pam-team', { dn: ADMIN_DN })).statusCode, 404);
});

test('a user without the group permissions cannot create, modify, delete groups or change members and permissions', async () => {
  const attempts: [string, string, unknown?][] = [
    ['POST', '/api/groups', { name: 'bobs' }],
    ['PATCH', '/api/groups/cms', { name: 'cms2' }],
    ['DELETE', '/api/groups/cms'],
    ['PUT', '/api/groups/cms/users/bob'],
    ['DELETE', '/api/groups/cms/users/pam'],
    ['PUT', '/api/groups/cms/permissions/user_create'],
    ['DELETE', '/api/groups/cms/permissions/image_modify'],
  ];
  for (const [method, url, json] of attempts) {
    const response = await t.request(method, url, { dn: BOB, ...(json !== undefined && { json }) });
    assert.equal(response.statusCode, 403, `${method} ${url}`);
    assert.equal(errorOf(response).code, 'FORBIDDEN');
  }
  const cms = (await t.request('GET', '/api/groups/cms', { dn: BOB })).json();
  assert.deepEqual([cms.users, cms.permissions], [['pam'], ['image_modify']]);
});

test('a holder of group_modify_membership who is not an admin cannot add anyone to admins', async () => {
  await t.request('PUT', '/api/groups/cms/permissions/group_modify_membership', { dn: ADMIN_DN });
  const response = await t.request('PUT', '/api/groups/admins/users/pam', { dn: PAM });
  assert.equal(response.statusCode, 403);
  assert.equal((await t.request('PUT', '/api/groups/cms/users/bob', { dn: PAM })).statusCode, 200);
});

test('the last member of admins cannot be removed (409)', async () => {
  const response = await t.request('DELETE', '/api/groups/admins/users/admin', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 409);
});
