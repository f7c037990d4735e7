/**
 * The contract between the schemas and the server: an in-process server (the server's test
 * app) walks the main routes — accounts, groups, membership, permissions, images in both
 * namespaces, sharing, clone, upload, download with ranges and conditions, errors — and every
 * answer it gives must match its route's schema by `validateAnswer` (status, body, documented
 * headers). Answers to paths no route matches must be the error envelope (404/405).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ADMIN_DN, createTestApp, type RequestOptions, type TestApp } from '../../server/test/helpers/test-app.js';
import { ErrorEnvelope, findRoute, validateAnswer } from '../src/index.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

const BOB = '/C=CA/O=Grid/OU=uvic.ca/CN=Bob Smith';
const PAM = '/C=CA/O=Grid/OU=uvic.ca/CN=Pam Jones';
const envelope = new Ajv2020().compile(ErrorEnvelope);

let t: TestApp;
let checked = 0;

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
});
after(async () => t.close());

/** Sends a request, asserts its status, and checks the answer against the route table. */
async function call(method: string, url: string, status: number, options: RequestOptions = {}) {
  const response = await t.request(method, url, options);
  assert.equal(response.statusCode, status, `${method} ${url}: ${response.body}`);
  const route = findRoute(method, url);
  const json = String(response.headers['content-type'] ?? '').startsWith('application/json');
  const body = json && response.rawPayload.length > 0 ? response.json() : response.rawPayload;
  if (route === undefined) {
    assert.ok([404, 405].includes(status) && envelope(body), `${method} ${url}: no route, and not an error envelope`);
  } else {
    const check = validateAnswer(route, response.statusCode, body, { headers: response.headers, method });
    assert.deepEqual(check.problems, [], `${method} ${url}`);
  }
  checked += 1;
  return response;
}

const admin = { dn: ADMIN_DN };
const bob = { dn: BOB };
const pam = { dn: PAM };

test('service routes', async () => {
  await call('GET', '/healthz', 200);
  await call('GET', '/metrics', 200);
  await call('GET', '/api/whoami', 200, admin);
  await call('GET', '/api/whoami', 200, bob);
  await call('GET', '/api/whoami', 401);
  await call('GET', '/api/whoami', 401, { dn: '/CN=Nobody' });
  await call('GET', '/api/permissions', 200, bob);
});

test('users: create (JSON and form), read, modify, list, their groups, images and shares, delete', async () => {
  await call('POST', '/api/users', 201, { ...admin, json: { user_name: 'carl', client_dn: '/CN=Carl', full_name: 'Carl', email: 'c@example.org', groups: ['admins'] } });
  await call('POST', '/api/users', 201, { ...admin, form: { user_name: 'dora', client_dn: '/CN=Dora', groups: 'users' } });
  await call('POST', '/api/users', 409, { ...admin, json: { user_name: 'dora', client_dn: '/CN=Dora2' } });
  await call('POST', '/api/users', 400, { ...admin, json: { user_name: 'dora', client_dn: '/CN=Dora3', colour: 'red' } });
  await call('POST', '/api/users', 400, { ...admin, json: { user_name: 'Bad Name', client_dn: '/CN=Bad' } });
  await call('POST', '/api/users', 403, { ...bob, json: { user_name: 'eve', client_dn: '/CN=Eve' } });
  await call('POST', '/api/users', 415, { ...admin, payload: 'x', headers: { 'content-type': 'text/plain' } });
  await call('GET', '/api/users', 200, admin);
  await call('GET', '/api/users/dora', 200, admin);
  await call('HEAD', '/api/users/dora', 200, admin);
  await call('GET', '/api/users/nobody', 404, admin);
  await call('PATCH', '/api/users/dora', 200, { ...admin, json: { full_name: 'Dora D', suspended: false } });
  await call('POST', '/api/users/dora', 200, { ...admin, form: { suspended: 'no', email: 'd@example.org' } });
  await call('PATCH', '/api/users/dora', 400, { ...admin, json: { suspended: 'no' } });
  await call('GET', '/api/users/bob/groups', 200, bob);
  await call('GET', '/api/users/bob/images', 200, bob);
  await call('GET', '/api/users/bob/shared', 200, bob);
  await call('DELETE', '/api/users/dora', 204, admin);
  await call('DELETE', '/api/users/dora', 404, admin);
});

test('groups: create, read, rename, members, permissions, delete', async () => {
  await call('POST', '/api/groups', 201, { ...admin, json: { name: 'atlas', users: ['bob'], permissions: ['image_create'] } });
  await call('POST', '/api/groups', 201, { ...admin, form: { name: 'cms', users: 'bob,pam' } });
  await call('POST', '/api/groups', 400, { ...admin, json: { name: 'lhcb', permissions: ['fly'] } });
  await call('GET', '/api/groups', 200, bob);
  await call('GET', '/api/groups/atlas', 200, bob);
  await call('GET', '/api/groups/nothing', 404, bob);
  await call('PATCH', '/api/groups/cms', 200, { ...admin, json: { name: 'cms2' } });
  await call('DELETE', '/api/groups/users', 403, admin);
  await call('GET', '/api/groups/atlas/users', 200, bob);
  await call('PUT', '/api/groups/atlas/users/pam', 200, admin);
  await call('POST', '/api/groups/atlas/users/carl', 200, admin);
  await call('DELETE', '/api/groups/atlas/users/pam', 200, admin);
  await call('PUT', '/api/groups/atlas/users/nobody', 404, admin);
  await call('GET', '/api/groups/atlas/permissions', 200, bob);
  await call('PUT', '/api/groups/atlas/permissions/image_modify', 200, admin);
  await call('DELETE', '/api/groups/atlas/permissions/image_modify', 200, admin);
  await call('PUT', '/api/groups/atlas/permissions/fly', 400, admin);
  await call('DELETE', '/api/groups/cms2', 204, admin);
});

test('images: slots, listing, both namespaces, modify, share, clone, bytes, delete', async () => {
  await call('POST', '/api/images', 201, { ...bob, json: { name: 'rhel5.5.img', description: 'RHEL', os_arch: 'x86_64', unauthenticated_access: false } });
  await call('POST', '/api/images', 201, { ...bob, form: { name: 'debian6.img.gz', read_only: 'off', expires: '2099-01-01', disk_format: 'gzip', min_disk: '8' } });
  await call('POST', '/api/images', 409, { ...bob, json: { name: 'rhel5.5.img' } });
  await call('POST', '/api/images', 400, { ...bob, json: { description: 'no name' } });
  await call('GET', '/api/images', 200, bob);
  await call('GET', '/api/images?owner=bob&q=rhel&limit=10&offset=0', 200, bob);
  await call('GET', '/api/images?shared', 200, pam);
  await call('GET', '/api/images?limit=x', 400, bob);
  await call('GET', '/api/images?colour=red', 400, bob);
  await call('GET', '/api/images/rhel5.5.img', 200, bob);
  await call('GET', '/api/images/bob/rhel5.5.img', 200, bob);
  await call('GET', '/api/images/bob/rhel5.5.img', 404, pam);
  await call('GET', '/api/images/rhel5.5.img', 404, pam);
  await call('PATCH', '/api/images/rhel5.5.img', 200, { ...bob, json: { description: 'RHEL 5.5', hypervisor: 'kvm' } });
  await call('POST', '/api/images/bob/rhel5.5.img', 200, { ...bob, form: { os_type: 'linux' } });
  await call('PUT', '/api/images/rhel5.5.img/share/user/pam', 200, bob);
  await call('POST', '/api/images/bob/rhel5.5.img/share/group/atlas', 200, bob);
  await call('GET', '/api/images/bob/rhel5.5.img', 200, pam);
  await call('PATCH', '/api/images/bob/rhel5.5.img', 403, { ...pam, json: { description: 'mine' } });
  await call('GET', '/api/images/raw/bob/rhel5.5.img', 404, pam);

  const bytes = Buffer.from('an image of a few bytes\n');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await call('PUT', '/api/images/raw/rhel5.5.img', 200, { ...bob, payload: bytes, headers: { 'content-type': 'application/octet-stream', 'x-checksum-sha256': sha256 } });
  await call('PUT', '/api/images/raw/bob/rhel5.5.img', 422, { ...bob, payload: bytes, headers: { 'content-type': 'application/octet-stream', 'x-checksum-sha256': '0'.repeat(64) } });
  await call('GET', '/api/images/raw/rhel5.5.img', 200, bob);
  await call('HEAD', '/api/images/raw/bob/rhel5.5.img', 200, pam);
  await call('GET', '/api/images/raw/bob/rhel5.5.img', 206, { ...pam, headers: { range: 'bytes=0-3' } });
  await call('GET', '/api/images/raw/bob/rhel5.5.img', 416, { ...pam, headers: { range: 'bytes=999-' } });
  await call('GET', '/api/images/raw/bob/rhel5.5.img', 304, { ...pam, headers: { 'if-none-match': `"${sha256}"` } });
  await call('GET', '/api/images/raw/bob/rhel5.5.img', 401);
  await call('PATCH', '/api/images/raw/rhel5.5.img', 405, bob);
  await call('PATCH', '/api/images/rhel5.5.img', 200, { ...bob, json: { unauthenticated_access: true } });
  await call('GET', '/api/images/raw/bob/rhel5.5.img', 200);

  await call('POST', '/api/images/bob/rhel5.5.img/clone', 201, { ...pam, json: { name: 'my-rhel.img' } });
  await call('POST', '/api/images/rhel5.5.img/clone', 409, { ...bob, json: { name: 'debian6.img.gz' } });
  await call('GET', '/api/users/pam/shared', 200, pam);
  await call('DELETE', '/api/images/bob/rhel5.5.img/share/group/atlas', 200, bob);
  await call('DELETE', '/api/images/rhel5.5.img/share/user/pam', 200, bob);
  await call('PATCH', '/api/images/debian6.img.gz', 200, { ...bob, json: { read_only: true } });
  await call('DELETE', '/api/images/debian6.img.gz', 409, bob);
  await call('PATCH', '/api/images/bob/debian6.img.gz', 200, { ...bob, json: { read_only: false, name: 'debian6b.img.gz' } });
  await call('DELETE', '/api/images/bob/debian6b.img.gz', 204, bob);
  await call('DELETE', '/api/images/rhel5.5.img', 204, bob);
});

test('answers to paths no route has are the error envelope', async () => {
  await call('GET', '/api/nothing-here', 404, bob);
  await call('DELETE', '/api/whoami', 405, bob);
  assert.ok(checked >= 87, `only ${checked} answers checked`);
});
