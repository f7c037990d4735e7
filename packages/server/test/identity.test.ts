/**
 * Identity and access at the edge: whoami, anonymous callers (no certificate, unknown DN,
 * plain HTTP), exact DN matching (a DN with three CNs of its own is one identity), and suspended
 * users refused everywhere.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_DN, createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const DOUG_FULL = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir';
const DOUG_SHORT = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test('whoami answers the caller record with groups and effective permissions', async () => {
  const response = await t.request('GET', '/api/whoami', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 200);
  const body = response.json();
  assert.equal(body.user_name, 'admin');
  assert.equal(body.client_dn, ADMIN_DN);
  assert.deepEqual(body.groups, ['admins', 'users']);
  assert.equal(body.admin, true);
  assert.ok(body.permissions.includes('user_create'));
});

test('a regular user has the permissions of its groups only', async () => {
  await t.addUser('regular', '/O=Grid/CN=Regular');
  const body = (await t.request('GET', '/api/whoami', { dn: '/O=Grid/CN=Regular' })).json();
  assert.deepEqual(body.permissions, ['image_create']);
  assert.equal(body.admin, false);
});

test('no certificate is anonymous: 401 UNAUTHENTICATED on the API', async () => {
  for (const url of ['/api/whoami', '/api/users', '/api/groups', '/api/permissions']) {
    const response = await t.request('GET', url);
    assert.equal(response.statusCode, 401, url);
    assert.equal(errorOf(response).code, 'UNAUTHENTICATED');
  }
});

test('a valid certificate whose DN is not registered is anonymous (401), and its DN is logged', async () => {
  const response = await t.request('GET', '/api/whoami', { dn: '/O=Grid/CN=Stranger' });
  assert.equal(response.statusCode, 401);
  assert.equal(errorOf(response).code, 'UNAUTHENTICATED');
  assert.match(errorOf(response).message, /not registered/);
  assert.ok(t.logs.some((line) => JSON.parse(line).dn === '/O=Grid/CN=Stranger'));
});

test('anonymous callers may still reach /healthz', async () => {
  const response = await t.request('GET', '/healthz');
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { status: 'ok' });
});

test('a DN with three CNs logs in whole and never matches the user registered with its first CN', async () => {
  await t.addUser('doug-short', DOUG_SHORT);
  const asFull = await t.request('GET', '/api/whoami', { dn: DOUG_FULL });
  assert.equal(asFull.statusCode, 401, 'the long DN must not be truncated to the short one');
  await t.addUser('doug', DOUG_FULL);
  const registered = await t.request('GET', '/api/whoami', { dn: DOUG_FULL });
  assert.equal(registered.statusCode, 200);
  assert.equal(registered.json().user_name, 'doug');
  assert.equal(registered.json().client_dn, DOUG_FULL);
  const short = await t.request('GET', '/api/whoami', { dn: DOUG_SHORT });
  assert.equal(short.json().user_name, 'doug-short');
});

test('a DN with three CNs can be registered over the API and is stored whole', async () => {
  const dn = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=ana/CN=700001/CN=Ana Lopez';
  const created = await t.request('POST', '/api/users', { dn: ADMIN_DN, json: { user_name: 'ana', client_dn: dn } });
  assert.equal(created.statusCode, 201);
  assert.equal(created.json().client_dn, dn);
  assert.equal((await t.request('GET', '/api/whoami', { dn })).json().user_name, 'ana');
});

test('a suspended user gets 403 USER_SUSPENDED on every route, including unknown ones', async () => {
  await t.addUser('sus', '/O=Grid/CN=Sus');
  const suspend = await t.request('PATCH', '/api/users/sus', { dn: ADMIN_DN, json: { suspended: true } });
  assert.equal(suspend.statusCode, 200);
  assert.equal(suspend.json().suspended, true);
  const routes: [string, string][] = [
    ['GET', '/api/whoami'],
    ['GET', '/api/users'],
    ['GET', '/api/users/sus'],
    ['PATCH', '/api/users/sus'],
    ['POST', '/api/users'],
    ['DELETE', '/api/users/admin'],
    ['GET', '/api/users/sus/groups'],
    ['GET', '/api/users/sus/images'],
    ['GET', '/api/users/sus/shared'],
    ['GET', '/api/groups'],
    ['POST', '/api/groups'],
    ['GET', '/api/groups/users'],
    ['PATCH', '/api/groups/users'],
    ['DELETE', '/api/groups/users'],
    ['GET', '/api/groups/users/users'],
    ['PUT', '/api/groups/admins/users/sus'],
    ['DELETE', '/api/groups/users/users/sus'],
    ['GET', '/api/groups/users/permissions'],
    ['PUT', '/api/groups/users/permissions/user_create'],
    ['DELETE', '/api/groups/users/permissions/image_create'],
    ['GET', '/api/permissions'],
    ['GET', '/healthz'],
    ['GET', '/api/no/such/route'],
  ];
  for (const [method, url] of routes) {
    const response = await t.request(method, url, { dn: '/O=Grid/CN=Sus', json: {} });
    assert.equal(response.statusCode, 403, `${method} ${url}`);
    assert.equal(errorOf(response).code, 'USER_SUSPENDED', `${method} ${url}`);
  }
  const lifted = await t.request('PATCH', '/api/users/sus', { dn: ADMIN_DN, json: { suspended: false } });
  assert.equal(lifted.json().suspended, false);
  assert.equal((await t.request('GET', '/api/whoami', { dn: '/O=Grid/CN=Sus' })).statusCode, 200);
});

test('on the plain-HTTP listener anonymous callers get 403, not 401', async () => {
  const plain = await createTestApp({ plainHttp: true });
  try {
    const response = await plain.request('GET', '/api/whoami');
    assert.equal(response.statusCode, 403);
    assert.equal(errorOf(response).code, 'FORBIDDEN');
  } finally {
    await plain.close();
  }
});
