/**
 * Who may do what to an image (SPEC §2, §3): sharees (directly or through a group) read and
 * download, nothing more; owners and admins do everything; image_modify and image_delete act
 * on the images of others; read-only images refuse changes with 409 until cleared; expired
 * images answer 410 to others; anonymous callers and the plain-HTTP listener reach the bytes
 * of public images only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWithBytes, putBytes, seedImage, storageFiles } from './helpers/image-helpers.js';
import { ADMIN_DN, createTestApp, dumpDatabase, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';
const CARL = '/O=Grid/CN=Carl';
const MODDER = '/O=Grid/CN=Modder';
const REMOVER = '/O=Grid/CN=Remover';

describe('image access over HTTPS', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await t.addUser('bob', BOB);
    await t.addUser('pam', PAM);
    await t.addUser('carl', CARL);
    await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'cms', users: ['pam'] } });
    await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'curators', permissions: ['image_modify'] } });
    await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'janitors', permissions: ['image_delete'] } });
    await t.addUser('modder', MODDER, ['curators']);
    await t.addUser('remover', REMOVER, ['janitors']);
    await createWithBytes(t, BOB, 'bob', 'rhel5.5.img', 'bob v1');
  });
  after(() => t.close());

  test('a user it is shared with reads the metadata and downloads, but may not modify, upload, share, unshare or delete it (403)', async () => {
    const shared = await t.request('PUT', '/api/images/rhel5.5.img/share/user/pam', { dn: BOB });
    assert.equal(shared.statusCode, 200, shared.body);
    assert.deepEqual(shared.json().shared_with, { users: ['pam'], groups: [] });
    assert.equal((await t.request('GET', '/api/images/bob/rhel5.5.img', { dn: PAM })).statusCode, 200);
    assert.equal((await t.request('GET', '/api/images/raw/bob/rhel5.5.img', { dn: PAM })).body, 'bob v1');
    assert.equal((await t.request('GET', '/api/images/rhel5.5.img', { dn: PAM })).statusCode, 404, 'still not in her own namespace');
    const database = await dumpDatabase(t.metadata);
    const files = await storageFiles(t);
    for (const [method, path, options] of [
      ['PATCH', '/api/images/bob/rhel5.5.img', { json: { description: 'mine now' } }],
      ['POST', '/api/images/bob/rhel5.5.img', { json: { description: 'mine now' } }],
      ['PUT', '/api/images/raw/bob/rhel5.5.img', { payload: 'pam bytes' }],
      ['PUT', '/api/images/bob/rhel5.5.img/share/user/carl', {}],
      ['DELETE', '/api/images/bob/rhel5.5.img/share/user/pam', {}],
      ['DELETE', '/api/images/bob/rhel5.5.img', {}],
    ] as const) {
      const response = await t.request(method, path, { dn: PAM, ...options });
      assert.equal(response.statusCode, 403, `${method} ${path}: ${response.body}`);
      assert.equal(errorOf(response).code, 'FORBIDDEN');
    }
    assert.deepEqual(await dumpDatabase(t.metadata), database);
    assert.deepEqual(await storageFiles(t), files);
  });

  test('unsharing takes read access back: 404 again', async () => {
    const unshared = await t.request('DELETE', '/api/images/rhel5.5.img/share/user/pam', { dn: BOB });
    assert.equal(unshared.statusCode, 200);
    assert.deepEqual(unshared.json().shared_with.users, []);
    assert.equal((await t.request('GET', '/api/images/bob/rhel5.5.img', { dn: PAM })).statusCode, 404);
    assert.equal((await t.request('GET', '/api/images/raw/bob/rhel5.5.img', { dn: PAM })).statusCode, 404);
  });

  test('sharing with a group gives its members read access (POST is the synonym of PUT); unsharing removes it', async () => {
    const shared = await t.request('POST', '/api/images/bob/rhel5.5.img/share/group/cms', { dn: BOB });
    assert.equal(shared.statusCode, 200, shared.body);
    assert.deepEqual(shared.json().shared_with, { users: [], groups: ['cms'] });
    assert.equal((await t.request('GET', '/api/images/raw/bob/rhel5.5.img', { dn: PAM })).body, 'bob v1');
    assert.equal((await t.request('GET', '/api/images/bob/rhel5.5.img', { dn: CARL })).statusCode, 404, 'carl is not in cms');
    assert.equal((await t.request('PATCH', '/api/images/bob/rhel5.5.img', { dn: PAM, json: { description: 'x' } })).statusCode, 403);
    assert.equal((await t.request('DELETE', '/api/images/rhel5.5.img/share/group/cms', { dn: BOB })).statusCode, 200);
    assert.equal((await t.request('GET', '/api/images/bob/rhel5.5.img', { dn: PAM })).statusCode, 404);
  });

  test('sharing is idempotent; sharing with the owner is 400; an unknown user or group is 404', async () => {
    for (let i = 0; i < 2; i += 1) {
      assert.deepEqual((await t.request('PUT', '/api/images/rhel5.5.img/share/user/carl', { dn: BOB })).json().shared_with.users, ['carl']);
    }
    assert.equal((await t.request('PUT', '/api/images/rhel5.5.img/share/user/bob', { dn: BOB })).statusCode, 400);
    const user = await t.request('PUT', '/api/images/rhel5.5.img/share/user/nobody', { dn: BOB });
    assert.equal(user.statusCode, 404);
    assert.equal(errorOf(user).code, 'USER_NOT_FOUND');
    const group = await t.request('PUT', '/api/images/rhel5.5.img/share/group/nogroup', { dn: BOB });
    assert.equal(errorOf(group).code, 'GROUP_NOT_FOUND');
    assert.equal((await t.request('DELETE', '/api/images/rhel5.5.img/share/user/carl', { dn: BOB })).statusCode, 200);
  });

  test('a public image is readable by every registered user, and still not changeable by them', async () => {
    await t.request('PATCH', '/api/images/rhel5.5.img', { dn: BOB, json: { unauthenticated_access: true } });
    assert.equal((await t.request('GET', '/api/images/bob/rhel5.5.img', { dn: CARL })).statusCode, 200);
    assert.equal((await t.request('PATCH', '/api/images/bob/rhel5.5.img', { dn: CARL, json: { description: 'x' } })).statusCode, 403);
    await t.request('PATCH', '/api/images/rhel5.5.img', { dn: BOB, json: { unauthenticated_access: false } });
  });

  test('image_modify holders modify, upload to and share images of others, but not delete them', async () => {
    assert.equal((await t.request('PATCH', '/api/images/bob/rhel5.5.img', { dn: MODDER, json: { description: 'curated' } })).statusCode, 200);
    assert.equal((await putBytes(t, MODDER, '/api/images/raw/bob/rhel5.5.img', 'curated bytes')).statusCode, 200);
    assert.equal((await t.request('PUT', '/api/images/bob/rhel5.5.img/share/user/carl', { dn: MODDER })).statusCode, 200);
    assert.equal((await t.request('DELETE', '/api/images/bob/rhel5.5.img/share/user/carl', { dn: MODDER })).statusCode, 200);
    const denied = await t.request('DELETE', '/api/images/bob/rhel5.5.img', { dn: MODDER });
    assert.equal(denied.statusCode, 403);
    assert.match(errorOf(denied).message, /image_delete/);
    const renameAway = await t.request('PATCH', '/api/images/bob/rhel5.5.img', { dn: MODDER, json: { owner: 'modder' } });
    assert.equal(renameAway.statusCode, 403, 'only admins change owners');
  });

  test('image_delete holders delete images of others, but not modify them', async () => {
    await createWithBytes(t, BOB, 'bob', 'old.img', 'old');
    assert.equal((await t.request('PATCH', '/api/images/bob/old.img', { dn: REMOVER, json: { description: 'x' } })).statusCode, 403);
    assert.equal((await t.request('DELETE', '/api/images/bob/old.img', { dn: REMOVER })).statusCode, 204);
  });

  test('admins read, modify, upload to, share and delete anyone\'s image', async () => {
    await createWithBytes(t, CARL, 'carl', 'carl.img', 'carl v1');
    assert.equal((await t.request('GET', '/api/images/carl/carl.img', { dn: ADMIN_DN })).statusCode, 200);
    assert.equal((await t.request('PATCH', '/api/images/carl/carl.img', { dn: ADMIN_DN, json: { description: 'by admin' } })).statusCode, 200);
    assert.equal((await putBytes(t, ADMIN_DN, '/api/images/raw/carl/carl.img', 'admin bytes')).statusCode, 200);
    assert.equal((await t.request('PUT', '/api/images/carl/carl.img/share/user/pam', { dn: ADMIN_DN })).statusCode, 200);
    assert.equal((await t.request('GET', '/api/images/raw/carl/carl.img', { dn: PAM })).body, 'admin bytes');
    assert.equal((await t.request('DELETE', '/api/images/carl/carl.img', { dn: ADMIN_DN })).statusCode, 204);
  });

  test('a read-only image refuses upload, modification and deletion with 409 IMAGE_READ_ONLY until a PATCH clears read_only', async () => {
    await createWithBytes(t, BOB, 'bob', 'frozen.img', 'frozen v1');
    assert.equal((await t.request('PATCH', '/api/images/frozen.img', { dn: BOB, json: { read_only: true } })).json().read_only, true);
    const database = await dumpDatabase(t.metadata);
    const files = await storageFiles(t);
    for (const [method, path, options] of [
      ['PUT', '/api/images/raw/{ns}frozen.img', { payload: 'frozen v2' }],
      ['PATCH', '/api/images/{ns}frozen.img', { json: { description: 'changed' } }],
      ['PATCH', '/api/images/{ns}frozen.img', { json: { name: 'thawed.img' } }],
      ['PATCH', '/api/images/{ns}frozen.img', { json: { read_only: true, description: 'x' } }],
      ['DELETE', '/api/images/{ns}frozen.img', {}],
    ] as const) {
      for (const [dn, ns] of [[BOB, ''], [ADMIN_DN, 'bob/']] as const) {
        const response = await t.request(method, path.replace('{ns}', ns), { dn, ...options });
        assert.equal(response.statusCode, 409, `${method} ${path}: ${response.body}`);
        assert.equal(errorOf(response).code, 'IMAGE_READ_ONLY');
        assert.match(errorOf(response).message, /read_only/);
      }
    }
    assert.deepEqual(await dumpDatabase(t.metadata), database);
    assert.deepEqual(await storageFiles(t), files);
    assert.equal((await t.request('GET', '/api/images/raw/frozen.img', { dn: BOB })).body, 'frozen v1', 'still downloadable');
    assert.equal((await t.request('PUT', '/api/images/frozen.img/share/user/pam', { dn: BOB })).statusCode, 200, 'sharing is not a change of the image');
    const thawed = await t.request('PATCH', '/api/images/frozen.img', { dn: BOB, json: { read_only: false, description: 'thawed' } });
    assert.equal(thawed.statusCode, 200);
    assert.equal(thawed.json().description, 'thawed');
    assert.equal((await putBytes(t, BOB, '/api/images/raw/frozen.img', 'frozen v2')).statusCode, 200);
  });

  test('after expires, downloads by others answer 410 GONE; the owner and admins still download; metadata stays readable', async () => {
    await createWithBytes(t, BOB, 'bob', 'expiring.img', 'soon gone');
    await t.request('PUT', '/api/images/expiring.img/share/user/pam', { dn: BOB });
    assert.equal((await t.request('GET', '/api/images/raw/bob/expiring.img', { dn: PAM })).statusCode, 200);
    await t.request('PATCH', '/api/images/expiring.img', { dn: BOB, json: { expires: '2000-01-01T00:00:00Z' } });
    const gone = await t.request('GET', '/api/images/raw/bob/expiring.img', { dn: PAM });
    assert.equal(gone.statusCode, 410);
    assert.equal(errorOf(gone).code, 'GONE');
    assert.equal((await t.request('HEAD', '/api/images/raw/bob/expiring.img', { dn: PAM })).statusCode, 410);
    assert.equal((await t.request('POST', '/api/images/bob/expiring.img/clone', { dn: PAM, json: { name: 'keep.img' } })).statusCode, 410);
    assert.equal((await t.request('GET', '/api/images/bob/expiring.img', { dn: PAM })).statusCode, 200);
    assert.equal((await t.request('GET', '/api/images/raw/expiring.img', { dn: BOB })).body, 'soon gone');
    assert.equal((await t.request('GET', '/api/images/raw/bob/expiring.img', { dn: ADMIN_DN })).statusCode, 200);
  });

  test('anonymous callers (no certificate, or an unregistered one) download and read public images only (listing: anonymous-listing.test.ts); everything else is 401', async () => {
    await createWithBytes(t, BOB, 'bob', 'public.img', 'for everyone', { unauthenticated_access: true });
    assert.equal((await t.request('GET', '/api/images/raw/bob/public.img')).body, 'for everyone');
    assert.equal((await t.request('HEAD', '/api/images/raw/bob/public.img')).statusCode, 200);
    assert.equal((await t.request('GET', '/api/images/raw/bob/public.img', { dn: '/O=Grid/CN=Stranger' })).body, 'for everyone');
    for (const [method, path, options] of [
      ['GET', '/api/images/raw/bob/rhel5.5.img', {}],
      ['GET', '/api/images/raw/bob/missing.img', {}],
      ['GET', '/api/images/raw/public.img', {}],
      ['PUT', '/api/images/raw/bob/public.img', { payload: 'anonymous bytes' }],
      ['GET', '/api/images/bob/rhel5.5.img', {}],
      ['GET', '/api/images?shared=true', {}],
      ['POST', '/api/images', { json: { name: 'anon.img' } }],
      ['DELETE', '/api/images/bob/public.img', {}],
    ] as const) {
      const response = await t.request(method, path, options);
      assert.equal(response.statusCode, 401, `${method} ${path}: ${response.body}`);
      assert.equal(errorOf(response).code, 'UNAUTHENTICATED');
      if (method === 'PUT') assert.equal(response.headers.connection, 'close', 'a refused upload is not read');
    }
    const missing = await t.request('GET', '/api/images/raw/bob/missing.img');
    const private_ = await t.request('GET', '/api/images/raw/bob/rhel5.5.img');
    assert.deepEqual(missing.json(), private_.json(), 'a private image looks exactly like a missing one');
  });
});

describe('image access on the plain-HTTP listener', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ plainHttp: true });
    await t.addUser('bob', BOB);
    await seedImage(t, 'bob', 'public.img', 'public bytes', { unauthenticatedAccess: true });
    await seedImage(t, 'bob', 'private.img', 'private bytes');
  });
  after(() => t.close());

  test('GET and HEAD of a public image work, with Range', async () => {
    const whole = await t.request('GET', '/api/images/raw/bob/public.img');
    assert.equal(whole.statusCode, 200);
    assert.equal(whole.body, 'public bytes');
    const head = await t.request('HEAD', '/api/images/raw/bob/public.img');
    assert.equal(head.headers['content-length'], '12');
    const part = await t.request('GET', '/api/images/raw/bob/public.img', { headers: { range: 'bytes=7-' } });
    assert.equal(part.statusCode, 206);
    assert.equal(part.body, 'bytes');
  });

  test('a private or missing image, an upload, and every other route answer 403 pointing to HTTPS', async () => {
    for (const [method, path, options] of [
      ['GET', '/api/images/raw/bob/private.img', {}],
      ['GET', '/api/images/raw/bob/missing.img', {}],
      ['PUT', '/api/images/raw/bob/public.img', { payload: 'overwrite' }],
      ['GET', '/api/images/bob/public.img', {}],
      ['GET', '/api/images', {}],
      ['GET', '/api/whoami', {}],
    ] as const) {
      const response = await t.request(method, path, options);
      assert.equal(response.statusCode, 403, `${method} ${path}: ${response.body}`);
      assert.match(errorOf(response).message, /HTTPS/);
    }
    assert.equal((await t.request('GET', '/api/images/raw/bob/public.img')).body, 'public bytes');
  });
});
