/**
 * The 2011 client's verbs: POST on an object URL acts as PATCH, POST on a membership or
 * permission URL acts as PUT, with or without a body.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_DN, createTestApp, type TestApp } from './helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  await t.addUser('bob', '/O=Grid/CN=Bob');
  await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'cms' } });
});
after(() => t.close());

test('POST /api/users/{user} modifies the user like PATCH (form-encoded, as in 2011)', async () => {
  const response = await t.request('POST', '/api/users/bob', { dn: ADMIN_DN, form: { full_name: 'Bob Smith', email: 'bob@uvic.ca' } });
  assert.equal(response.statusCode, 200);
  assert.equal(response.json().full_name, 'Bob Smith');
  assert.equal((await t.request('GET', '/api/users/bob', { dn: ADMIN_DN })).json().email, 'bob@uvic.ca');
});

test('POST /api/groups/{group} renames the group like PATCH', async () => {
  const response = await t.request('POST', '/api/groups/cms', { dn: ADMIN_DN, json: { name: 'cms-vo' } });
  assert.equal(response.statusCode, 200);
  assert.equal(response.json().name, 'cms-vo');
});

test('POST /api/groups/{group}/users/{user} adds the member like PUT, even without a body', async () => {
  const response = await t.request('POST', '/api/groups/cms-vo/users/bob', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json().users, ['bob']);
  const emptyJson = await t.request('POST', '/api/groups/cms-vo/users/admin', { dn: ADMIN_DN, payload: '', headers: { 'content-type': 'application/json' } });
  assert.equal(emptyJson.statusCode, 200);
  const emptyForm = await t.request('POST', '/api/groups/cms-vo/users/admin', { dn: ADMIN_DN, payload: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(emptyForm.statusCode, 200);
});

test('POST /api/groups/{group}/permissions/{perm} grants like PUT', async () => {
  const response = await t.request('POST', '/api/groups/cms-vo/permissions/image_delete', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json().permissions, ['image_delete']);
});
