/**
 * Bad input never changes anything: invalid names (path tricks, NUL, too long, reserved) and
 * malformed bodies (bad JSON, wrong types, unknown fields, not an object, too large, wrong
 * content type) answer 4xx with the error envelope and leave the database exactly as it was.
 * Form-encoded bodies, as the 2011 client sent them, work.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_DN, createTestApp, dumpDatabase, errorOf, type RequestOptions, type TestApp } from './helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  await t.addUser('bob', '/O=Grid/CN=Bob');
  await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'cms' } });
});
after(() => t.close());

const BAD_NAMES = ['..', 'a/b', 'nul\u0000name', 'x'.repeat(300), 'raw', 'api', 'Bob', '-bob', '', ' bob', 'bob.smith'];

async function expectRefused(method: string, url: string, options: RequestOptions, status: number, code: string): Promise<void> {
  const before = await dumpDatabase(t.metadata);
  const response = await t.request(method, url, { dn: ADMIN_DN, ...options });
  assert.equal(response.statusCode, status, `${method} ${url} ${JSON.stringify(options)}: ${response.body}`);
  assert.equal(errorOf(response).code, code, `${method} ${url}`);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(await dumpDatabase(t.metadata), before, `${method} ${url} changed the database`);
}

test('invalid user names in a body are 400 INVALID_NAME and change nothing', async () => {
  for (const name of BAD_NAMES) {
    await expectRefused('POST', '/api/users', { json: { user_name: name, client_dn: '/O=Grid/CN=New' } }, 400, 'INVALID_NAME');
  }
});

test('invalid group names in a body are 400 INVALID_NAME and change nothing', async () => {
  for (const name of BAD_NAMES) {
    await expectRefused('POST', '/api/groups', { json: { name } }, 400, 'INVALID_NAME');
    await expectRefused('PATCH', '/api/groups/cms', { json: { name } }, 400, 'INVALID_NAME');
  }
});

test('invalid names in the URL are 400 INVALID_NAME and change nothing', async () => {
  for (const name of ['..%2Fetc', 'a%2Fb', 'nul%00', 'x'.repeat(300), 'raw', 'api']) {
    await expectRefused('GET', `/api/users/${name}`, {}, 400, 'INVALID_NAME');
    await expectRefused('DELETE', `/api/users/${name}`, {}, 400, 'INVALID_NAME');
    await expectRefused('PATCH', `/api/groups/${name}`, { json: { name: 'ok' } }, 400, 'INVALID_NAME');
    await expectRefused('PUT', `/api/groups/cms/users/${name}`, {}, 400, 'INVALID_NAME');
    await expectRefused('PUT', `/api/groups/${name}/users/bob`, {}, 400, 'INVALID_NAME');
  }
});

test('a body that is not valid JSON is 400 MALFORMED_BODY', async () => {
  await expectRefused('POST', '/api/users', { payload: '{"user_name": "x",', headers: { 'content-type': 'application/json' } }, 400, 'MALFORMED_BODY');
  await expectRefused('POST', '/api/groups', { payload: '[1,2]', headers: { 'content-type': 'application/json' } }, 400, 'MALFORMED_BODY');
  await expectRefused('POST', '/api/groups', { payload: '"cms2"', headers: { 'content-type': 'application/json' } }, 400, 'MALFORMED_BODY');
});

test('fields of the wrong type are 400 MALFORMED_BODY naming each of them', async () => {
  const response = await t.request('POST', '/api/users', { dn: ADMIN_DN, json: { user_name: 5, client_dn: ['/O=Grid/CN=X'], groups: 'cms' } });
  assert.equal(response.statusCode, 400);
  const { code, message } = errorOf(response);
  assert.equal(code, 'MALFORMED_BODY');
  for (const field of ['user_name', 'client_dn', 'groups']) assert.match(message, new RegExp(field));
  await expectRefused('PATCH', '/api/users/bob', { json: { suspended: 'yes' } }, 400, 'MALFORMED_BODY');
  await expectRefused('PATCH', '/api/users/bob', { json: { full_name: null } }, 400, 'MALFORMED_BODY');
  await expectRefused('POST', '/api/groups', { json: { name: 'ok', users: [1] } }, 400, 'MALFORMED_BODY');
});

test('missing required fields are 400 MALFORMED_BODY', async () => {
  await expectRefused('POST', '/api/users', { json: { user_name: 'carl' } }, 400, 'MALFORMED_BODY');
  await expectRefused('POST', '/api/groups', { json: {} }, 400, 'MALFORMED_BODY');
  await expectRefused('POST', '/api/groups', {}, 400, 'MALFORMED_BODY');
});

test('unknown fields are 400 UNKNOWN_FIELD naming them', async () => {
  const response = await t.request('PATCH', '/api/users/bob', { dn: ADMIN_DN, json: { full_name: 'B', admin: true, user_name: 'root' } });
  assert.equal(response.statusCode, 400);
  const { code, message } = errorOf(response);
  assert.equal(code, 'UNKNOWN_FIELD');
  assert.match(message, /"admin"/);
  assert.match(message, /"user_name"/);
  await expectRefused('POST', '/api/users', { json: { user_name: 'carl', client_dn: '/O=Grid/CN=Carl', __proto__x: 1 } }, 400, 'UNKNOWN_FIELD');
  await expectRefused('POST', '/api/groups', { payload: '{"name":"g1","__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } }, 400, 'UNKNOWN_FIELD');
});

test('a malformed client_dn is 400 BAD_REQUEST', async () => {
  for (const dn of ['', 'CN=Bob', '/', 'bob', '/O=Grid/CN=Bad\u0000']) {
    await expectRefused('POST', '/api/users', { json: { user_name: 'carl', client_dn: dn } }, 400, 'BAD_REQUEST');
  }
});

test('a body over 64 KiB is 413 PAYLOAD_TOO_LARGE', async () => {
  await expectRefused('POST', '/api/users', { json: { user_name: 'carl', client_dn: '/O=Grid/CN=Carl', full_name: 'x'.repeat(70 * 1024) } }, 413, 'PAYLOAD_TOO_LARGE');
});

test('a content type other than JSON or form is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
  await expectRefused('POST', '/api/groups', { payload: 'name=x', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
});

test('a form-encoded body creates a user, with groups as repeated keys or a comma list', async () => {
  const one = await t.request('POST', '/api/users', {
    dn: ADMIN_DN,
    form: { user_name: 'carl', client_dn: '/C=CA/O=Grid/CN=Carl Sagan', full_name: 'Carl Sagan', groups: ['cms'] },
  });
  assert.equal(one.statusCode, 201, one.body);
  assert.deepEqual([one.json().full_name, one.json().groups], ['Carl Sagan', ['cms', 'users']]);
  await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'atlas' } });
  const two = await t.request('POST', '/api/users', {
    dn: ADMIN_DN,
    form: { user_name: 'dora', client_dn: '/C=CA/O=Grid/CN=Dora', groups: 'cms,atlas' },
  });
  assert.deepEqual(two.json().groups, ['atlas', 'cms', 'users']);
});

test('form-encoded booleans are coerced, and a bad one is 400', async () => {
  const response = await t.request('PATCH', '/api/users/carl', { dn: ADMIN_DN, form: { suspended: 'true' } });
  assert.equal(response.statusCode, 200);
  assert.equal(response.json().suspended, true);
  await expectRefused('PATCH', '/api/users/carl', { form: { suspended: 'maybe' } }, 400, 'MALFORMED_BODY');
  await expectRefused('PATCH', '/api/users/carl', { form: { email: ['a@b', 'c@d'] } }, 400, 'MALFORMED_BODY');
});
