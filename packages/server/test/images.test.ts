/**
 * Image metadata in-process: creating a slot (201, Location, the SPEC record), the namespace
 * rule of paper fig. 2, modifying (PATCH and its POST synonym), renaming as a row update,
 * giving an image to another user (admins only), deleting, cloning without copying bytes,
 * and the URLs in the record.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createImage, createWithBytes, putBytes, storageFiles } from './helpers/image-helpers.js';
import { ADMIN_DN, createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';

const RECORD_FIELDS = [
  'name', 'owner', 'uuid', 'description', 'os_variant', 'os_type', 'os_arch', 'hypervisor', 'size', 'checksum', 'version', 'versions',
  'status', 'created', 'uploaded', 'modified', 'expires', 'read_only', 'unauthenticated_access', 'shared_with', 'file_url',
  'http_file_url', 'disk_format', 'virtual_size', 'min_disk', 'min_ram',
];

let t: TestApp;
before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
});
after(() => t.close());

test('POST /api/images creates an empty slot in the caller\'s namespace: 201, Location of its raw URL, the SPEC record', async () => {
  const response = await t.request('POST', '/api/images', {
    dn: BOB,
    json: { name: 'rhel5.5.img', description: 'RHEL 5.5', os_variant: 'rhel', os_type: 'linux', os_arch: 'x86_64', hypervisor: 'kvm' },
  });
  assert.equal(response.statusCode, 201, response.body);
  assert.equal(response.headers.location, '/api/images/raw/bob/rhel5.5.img');
  const image = response.json();
  assert.deepEqual(Object.keys(image), RECORD_FIELDS);
  assert.equal(image.owner, 'bob');
  assert.equal(image.status, 'empty');
  assert.equal(image.version, 0);
  assert.equal(image.size, null);
  assert.deepEqual(image.checksum, { type: 'sha256', value: null });
  assert.equal(image.uploaded, null);
  assert.deepEqual(image.shared_with, { users: [], groups: [] });
  assert.match(image.uuid, /^[0-9a-f-]{36}$/);
  assert.equal(image.file_url, 'https://localhost:80/api/images/raw/bob/rhel5.5.img');
  assert.equal(image.http_file_url, null);
  assert.equal(image.os_arch, 'x86_64');
});

test('Bob\'s /api/images/rhel5.5.img and /api/images/bob/rhel5.5.img are the same image (paper fig. 2)', async () => {
  const own = await t.request('GET', '/api/images/rhel5.5.img', { dn: BOB });
  const named = await t.request('GET', '/api/images/bob/rhel5.5.img', { dn: BOB });
  assert.equal(own.statusCode, 200);
  assert.deepEqual(own.json(), named.json());
});

test('Pam\'s /api/images/rhel5.5.img is her own namespace (404), and bob\'s unshared image is 404 exactly like a missing one', async () => {
  const ownNamespace = await t.request('GET', '/api/images/rhel5.5.img', { dn: PAM });
  assert.equal(ownNamespace.statusCode, 404);
  assert.equal(errorOf(ownNamespace).code, 'IMAGE_NOT_FOUND');
  const unshared = await t.request('GET', '/api/images/bob/rhel5.5.img', { dn: PAM });
  const missing = await t.request('GET', '/api/images/bob/nothing.img', { dn: PAM });
  assert.equal(unshared.statusCode, 404);
  assert.equal(missing.statusCode, 404);
  assert.equal(errorOf(unshared).code, errorOf(missing).code);
  assert.equal(errorOf(unshared).message.replace('rhel5.5.img', 'X'), errorOf(missing).message.replace('nothing.img', 'X'));
  for (const [method, path] of [['PATCH', '/api/images/bob/rhel5.5.img'], ['DELETE', '/api/images/bob/rhel5.5.img'], ['PUT', '/api/images/raw/bob/rhel5.5.img'], ['GET', '/api/images/raw/bob/rhel5.5.img'], ['PUT', '/api/images/bob/rhel5.5.img/share/user/pam'], ['POST', '/api/images/bob/rhel5.5.img/clone']] as const) {
    const body = method === 'PATCH' ? { json: { description: 'x' } } : method === 'POST' ? { json: { name: 'mine' } } : path.includes('/raw/') && method === 'PUT' ? { payload: 'bytes' } : {};
    const response = await t.request(method, path, { dn: PAM, ...body });
    assert.equal(response.statusCode, 404, `${method} ${path}: ${response.body}`);
  }
  assert.equal((await t.request('GET', '/api/images/debian6.img.gz', { dn: PAM })).statusCode, 404);
});

test('an image of another user with the same name lives in its own namespace', async () => {
  await createImage(t, PAM, 'rhel5.5.img', { description: 'pam\'s' });
  assert.equal((await t.request('GET', '/api/images/rhel5.5.img', { dn: PAM })).json().description, 'pam\'s');
  assert.equal((await t.request('GET', '/api/images/rhel5.5.img', { dn: BOB })).json().description, 'RHEL 5.5');
  assert.equal((await t.request('DELETE', '/api/images/rhel5.5.img', { dn: PAM })).statusCode, 204);
});

test('creating a name the caller already has is 409 CONFLICT', async () => {
  const response = await t.request('POST', '/api/images', { dn: BOB, json: { name: 'rhel5.5.img' } });
  assert.equal(response.statusCode, 409);
  assert.equal(errorOf(response).code, 'CONFLICT');
});

test('creating needs image_create (held by `users`): without it 403', async () => {
  assert.equal((await t.request('DELETE', '/api/groups/users/permissions/image_create', { dn: ADMIN_DN })).statusCode, 200);
  try {
    const response = await t.request('POST', '/api/images', { dn: BOB, json: { name: 'new.img' } });
    assert.equal(response.statusCode, 403);
    assert.match(errorOf(response).message, /image_create/);
  } finally {
    await t.request('PUT', '/api/groups/users/permissions/image_create', { dn: ADMIN_DN });
  }
});

test('PATCH changes the given fields only and bumps modified; POST is its 2011 synonym (form-encoded too)', async () => {
  const before = (await t.request('GET', '/api/images/rhel5.5.img', { dn: BOB })).json();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const patched = await t.request('PATCH', '/api/images/rhel5.5.img', { dn: BOB, json: { description: 'RHEL 5.5 server', expires: '2099-01-01' } });
  assert.equal(patched.statusCode, 200, patched.body);
  assert.equal(patched.json().description, 'RHEL 5.5 server');
  assert.equal(patched.json().expires, '2099-01-01T00:00:00.000Z');
  assert.equal(patched.json().os_arch, 'x86_64');
  assert.ok(patched.json().modified > before.modified);
  const posted = await t.request('POST', '/api/images/bob/rhel5.5.img', { dn: BOB, form: { hypervisor: 'xen', unauthenticated_access: 'false', expires: '' } });
  assert.equal(posted.statusCode, 200, posted.body);
  assert.equal(posted.json().hypervisor, 'xen');
  assert.equal(posted.json().expires, null);
});

test('renaming with `name` moves the image and its bytes; the old name is 404; a taken name is 409', async () => {
  await createWithBytes(t, BOB, 'bob', 'old.img', 'old bytes');
  await createImage(t, BOB, 'taken.img');
  const files = await storageFiles(t);
  const renamed = await t.request('PATCH', '/api/images/old.img', { dn: BOB, json: { name: 'new.img' } });
  assert.equal(renamed.statusCode, 200, renamed.body);
  assert.equal(renamed.json().name, 'new.img');
  assert.equal(renamed.json().file_url, 'https://localhost:80/api/images/raw/bob/new.img');
  assert.equal((await t.request('GET', '/api/images/old.img', { dn: BOB })).statusCode, 404);
  assert.equal((await t.request('GET', '/api/images/raw/new.img', { dn: BOB })).body, 'old bytes');
  assert.deepEqual(await storageFiles(t), files, 'a rename moves no bytes');
  const clash = await t.request('PATCH', '/api/images/new.img', { dn: BOB, json: { name: 'taken.img' } });
  assert.equal(clash.statusCode, 409);
  assert.equal((await t.request('GET', '/api/images/new.img', { dn: BOB })).statusCode, 200);
});

test('only an admin gives an image to another user with `owner`', async () => {
  const refused = await t.request('PATCH', '/api/images/new.img', { dn: BOB, json: { owner: 'pam' } });
  assert.equal(refused.statusCode, 403);
  assert.match(errorOf(refused).message, /admins/);
  const given = await t.request('PATCH', '/api/images/bob/new.img', { dn: ADMIN_DN, json: { owner: 'pam' } });
  assert.equal(given.statusCode, 200, given.body);
  assert.equal(given.json().owner, 'pam');
  assert.equal((await t.request('GET', '/api/images/raw/new.img', { dn: PAM })).body, 'old bytes');
  assert.equal((await t.request('GET', '/api/images/bob/new.img', { dn: BOB })).statusCode, 404);
  const unknown = await t.request('PATCH', '/api/images/pam/new.img', { dn: ADMIN_DN, json: { owner: 'nobody' } });
  assert.equal(unknown.statusCode, 404);
  assert.equal(errorOf(unknown).code, 'USER_NOT_FOUND');
});

test('DELETE removes the image (204) and it is 404 afterwards; the blob stays until the sweeper finds it unreferenced', async () => {
  await createWithBytes(t, BOB, 'bob', 'doomed.img', 'doomed bytes');
  const files = await storageFiles(t);
  assert.equal((await t.request('DELETE', '/api/images/bob/doomed.img', { dn: BOB })).statusCode, 204);
  assert.equal((await t.request('GET', '/api/images/doomed.img', { dn: BOB })).statusCode, 404);
  assert.deepEqual(await storageFiles(t), files);
  assert.equal((await t.request('DELETE', '/api/images/doomed.img', { dn: BOB })).statusCode, 404);
});

test('clone makes a new image in the caller\'s namespace naming the same blob (no byte copied); a sharee may clone', async () => {
  await createWithBytes(t, BOB, 'bob', 'base.img', 'base bytes', { description: 'base', os_type: 'linux', unauthenticated_access: true });
  const files = await storageFiles(t);
  const own = await t.request('POST', '/api/images/base.img/clone', { dn: BOB, json: { name: 'base-copy.img' } });
  assert.equal(own.statusCode, 201, own.body);
  assert.equal(own.headers.location, '/api/images/raw/bob/base-copy.img');
  assert.equal(own.json().description, 'base');
  assert.equal(own.json().status, 'ready');
  assert.equal(own.json().unauthenticated_access, false, 'a clone starts private');
  assert.equal((await t.request('PUT', '/api/images/bob/base.img/share/user/pam', { dn: BOB })).statusCode, 200);
  const pams = await t.request('POST', '/api/images/bob/base.img/clone', { dn: PAM, json: { name: 'my-base.img' } });
  assert.equal(pams.statusCode, 201, pams.body);
  assert.equal(pams.json().owner, 'pam');
  assert.equal(pams.json().checksum.value, own.json().checksum.value);
  assert.equal((await t.request('GET', '/api/images/raw/my-base.img', { dn: PAM })).body, 'base bytes');
  assert.deepEqual(await storageFiles(t), files, 'cloning copies no bytes');
  // The clone is independent: a new upload to it leaves the original alone.
  assert.equal((await putBytes(t, PAM, '/api/images/raw/my-base.img', 'changed')).statusCode, 200);
  assert.equal((await t.request('GET', '/api/images/raw/bob/base.img', { dn: BOB })).body, 'base bytes');
  const clash = await t.request('POST', '/api/images/bob/base.img/clone', { dn: PAM, json: { name: 'my-base.img' } });
  assert.equal(clash.statusCode, 409);
});

test('the record gives http_file_url for public images when the plain-HTTP listener is on, and public_url as the base', async () => {
  const other = await createTestApp({ env: { REPOMAN_SERVER_HTTP_PORT: '8080', REPOMAN_SERVER_PUBLIC_URL: 'https://repo.example.org:8443/' } });
  try {
    await other.addUser('bob', BOB);
    const open = await createImage(other, BOB, 'open.img', { unauthenticated_access: true });
    assert.equal(open.file_url, 'https://repo.example.org:8443/api/images/raw/bob/open.img');
    assert.equal(open.http_file_url, 'http://repo.example.org:8080/api/images/raw/bob/open.img');
    const closed = await createImage(other, BOB, 'closed.img');
    assert.equal(closed.http_file_url, null);
  } finally {
    await other.close();
  }
});

test('deleting a user deletes its images and the shares with it; deleting a group deletes the shares with it', async () => {
  await t.addUser('dora', '/O=Grid/CN=Dora');
  await createWithBytes(t, '/O=Grid/CN=Dora', 'dora', 'dora.img', 'dora bytes');
  await createImage(t, BOB, 'for-dora.img');
  await t.request('PUT', '/api/images/for-dora.img/share/user/dora', { dn: BOB });
  assert.equal((await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'short-lived' } })).statusCode, 201);
  await t.request('PUT', '/api/images/for-dora.img/share/group/short-lived', { dn: BOB });
  assert.equal((await t.request('DELETE', '/api/users/dora', { dn: ADMIN_DN })).statusCode, 204);
  assert.equal((await t.request('GET', '/api/images/dora/dora.img', { dn: ADMIN_DN })).statusCode, 404);
  assert.deepEqual((await t.request('GET', '/api/images/for-dora.img', { dn: BOB })).json().shared_with, { users: [], groups: ['short-lived'] });
  assert.equal((await t.request('DELETE', '/api/groups/short-lived', { dn: ADMIN_DN })).statusCode, 204);
  assert.deepEqual((await t.request('GET', '/api/images/for-dora.img', { dn: BOB })).json().shared_with, { users: [], groups: [] });
});
