/**
 * Listing images: `GET /api/images` shows what the caller can see (own, shared directly or
 * through a group, public; everything for admins), with the filters owner, shared, group and
 * q, and limit/offset paging with X-Total-Count (cursor paging: image-paging.test.ts); `GET /api/users/{u}/images` and `…/shared`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createImage } from './helpers/image-helpers.js';
import { ADMIN_DN, createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';
const CARL = '/O=Grid/CN=Carl';

let t: TestApp;

async function names(dn: string, query = ''): Promise<string[]> {
  const response = await t.request('GET', `/api/images${query}`, { dn });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { owner: string; name: string }[]).map((image) => `${image.owner}/${image.name}`);
}

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
  await t.addUser('carl', CARL);
  await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'cms', users: ['bob'] } });
  await createImage(t, BOB, 'a1.img', { description: 'Scientific Linux 5' });
  await createImage(t, BOB, 'a2.img', { unauthenticated_access: true });
  await createImage(t, BOB, 'a3_x.img', { description: '100% done' });
  await createImage(t, PAM, 'p1.img', { description: 'SL6 worker' });
  await createImage(t, PAM, 'p2.img');
  await createImage(t, PAM, 'p3.img');
  await createImage(t, CARL, 'c1.img', { unauthenticated_access: true });
  await t.request('PUT', '/api/images/p1.img/share/user/bob', { dn: PAM });
  await t.request('PUT', '/api/images/p2.img/share/group/cms', { dn: PAM });
});
after(() => t.close());

test('GET /api/images lists own, shared directly, shared through a group and public images, ordered by owner then name', async () => {
  assert.deepEqual(await names(BOB), ['bob/a1.img', 'bob/a2.img', 'bob/a3_x.img', 'carl/c1.img', 'pam/p1.img', 'pam/p2.img']);
  assert.deepEqual(await names(CARL), ['bob/a2.img', 'carl/c1.img']);
});

test('admins list every image', async () => {
  assert.equal((await names(ADMIN_DN)).length, 7);
});

test('owner= keeps one owner\'s visible images; shared=true only those shared with the caller; group= those shared with a group', async () => {
  assert.deepEqual(await names(BOB, '?owner=pam'), ['pam/p1.img', 'pam/p2.img']);
  assert.deepEqual(await names(CARL, '?owner=bob'), ['bob/a2.img']);
  assert.deepEqual(await names(BOB, '?shared=true'), ['pam/p1.img', 'pam/p2.img']);
  assert.deepEqual(await names(BOB, '?shared'), ['pam/p1.img', 'pam/p2.img']);
  assert.deepEqual(await names(PAM, '?shared=true'), []);
  assert.deepEqual(await names(BOB, '?group=cms'), ['pam/p2.img']);
  assert.deepEqual(await names(BOB, '?owner=pam&shared=true&q=worker'), ['pam/p1.img']);
});

test('q= matches the name or the description, case-insensitively, with % and _ taken literally', async () => {
  assert.deepEqual(await names(BOB, '?q=SCIENTIFIC'), ['bob/a1.img']);
  assert.deepEqual(await names(BOB, '?q=p2'), ['pam/p2.img']);
  assert.deepEqual(await names(BOB, `?q=${encodeURIComponent('100%')}`), ['bob/a3_x.img']);
  assert.deepEqual(await names(BOB, '?q=3_x'), ['bob/a3_x.img']);
  assert.deepEqual(await names(BOB, '?q=a_'), []);
  assert.deepEqual(await names(BOB, '?q=p3'), [], 'pam\'s private image stays hidden');
});

test('limit and offset page through the list in a stable order; X-Total-Count gives the whole count', async () => {
  const all = await names(BOB);
  const pages: string[] = [];
  for (let offset = 0; offset < all.length; offset += 4) {
    const response = await t.request('GET', `/api/images?limit=4&offset=${offset}`, { dn: BOB });
    assert.equal(response.headers['x-total-count'], String(all.length));
    pages.push(...(response.json() as { owner: string; name: string }[]).map((image) => `${image.owner}/${image.name}`));
  }
  assert.deepEqual(pages, all);
  assert.deepEqual(await names(BOB, '?offset=100'), []);
});

test('GET /api/users/{u}/images and /api/users/{u}/shared list what the caller can see of them', async () => {
  const ofBob = await t.request('GET', '/api/users/bob/images', { dn: CARL });
  assert.deepEqual(ofBob.json().map((image: { name: string }) => image.name), ['a2.img']);
  const own = await t.request('GET', '/api/users/bob/images', { dn: BOB });
  assert.equal(own.json().length, 3);
  const sharedWithBob = await t.request('GET', '/api/users/bob/shared', { dn: BOB });
  assert.deepEqual(sharedWithBob.json().map((image: { name: string }) => image.name), ['p1.img', 'p2.img']);
  assert.deepEqual((await t.request('GET', '/api/users/bob/shared', { dn: CARL })).json(), []);
  assert.equal((await t.request('GET', '/api/users/bob/shared', { dn: ADMIN_DN })).json().length, 2);
  assert.equal((await t.request('GET', '/api/users/nobody/images', { dn: BOB })).statusCode, 404);
});

test('bad query parameters are 400 naming them; an unknown owner or group is 404', async () => {
  const unknown = await t.request('GET', '/api/images?ownr=bob&order=name', { dn: BOB });
  assert.equal(unknown.statusCode, 400);
  assert.equal(errorOf(unknown).code, 'UNKNOWN_FIELD');
  assert.match(errorOf(unknown).message, /"ownr".*"order"/);
  for (const query of ['limit=0', 'limit=abc', 'limit=5000', 'offset=-1', 'shared=maybe', 'owner=a&owner=b']) {
    const response = await t.request('GET', `/api/images?${query}`, { dn: BOB });
    assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
    assert.equal(errorOf(response).code, 'BAD_REQUEST');
  }
  assert.equal(errorOf(await t.request('GET', '/api/images?owner=Bad..Name', { dn: BOB })).code, 'INVALID_NAME');
  assert.equal(errorOf(await t.request('GET', '/api/images?owner=nobody', { dn: BOB })).code, 'USER_NOT_FOUND');
  assert.equal(errorOf(await t.request('GET', '/api/images?group=nogroup', { dn: BOB })).code, 'GROUP_NOT_FOUND');
});
