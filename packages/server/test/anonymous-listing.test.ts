/**
 * The web UI without a certificate (SPEC §2, §4.1): `GET /api/images` lists the public images
 * to an anonymous HTTPS caller (and to a valid but unregistered certificate), with the usual
 * filters and paging, and never a private or shared image; "shared with me" still needs a
 * registered user (401); plain HTTP still refuses listings (403). `?public=true` narrows a
 * registered user's listing to public images (the UI's "public" tab). A public image's record
 * is readable anonymously; a private one answers 401 as before.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createImage } from './helpers/image-helpers.js';
import { createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const STRANGER = '/O=Grid/CN=Not Registered';

let t: TestApp;
let plain: TestApp;

const names = (body: string): string[] => (JSON.parse(body) as { owner: string; name: string }[]).map((image) => `${image.owner}/${image.name}`);

before(async () => {
  [t, plain] = await Promise.all([createTestApp(), createTestApp({ plainHttp: true })]);
  await t.addUser('bob', BOB);
  await createImage(t, BOB, 'public-b.img', { unauthenticated_access: true, description: 'worker node' });
  await createImage(t, BOB, 'public-a.img', { unauthenticated_access: true });
  await createImage(t, BOB, 'private.img', { description: 'worker node too' });
});
after(async () => {
  await t.close();
  await plain.close();
});

test('anonymous HTTPS callers list only the public images, filtered and paged', async () => {
  const all = await t.request('GET', '/api/images');
  assert.equal(all.statusCode, 200, all.body);
  assert.deepEqual(names(all.body), ['bob/public-a.img', 'bob/public-b.img']);
  assert.equal(all.headers['x-total-count'], '2');

  const searched = await t.request('GET', '/api/images?q=worker&owner=bob');
  assert.deepEqual(names(searched.body), ['bob/public-b.img']);
  const paged = await t.request('GET', '/api/images?limit=1&offset=1');
  assert.deepEqual(names(paged.body), ['bob/public-b.img']);
  assert.equal(paged.headers['x-total-count'], '2');
});

test('an unregistered certificate sees what anonymous sees', async () => {
  const listed = await t.request('GET', '/api/images', { dn: STRANGER });
  assert.equal(listed.statusCode, 200, listed.body);
  assert.deepEqual(names(listed.body), ['bob/public-a.img', 'bob/public-b.img']);
});

test('"shared with me" needs a registered user; plain HTTP lists nothing', async () => {
  const shared = await t.request('GET', '/api/images?shared=true');
  assert.equal(shared.statusCode, 401, shared.body);
  assert.equal(errorOf(shared).code, 'UNAUTHENTICATED');
  const overHttp = await plain.request('GET', '/api/images');
  assert.equal(overHttp.statusCode, 403, overHttp.body);
});

test('public=true narrows a registered user’s listing to public images', async () => {
  const own = await t.request('GET', '/api/images', { dn: BOB });
  assert.deepEqual(names(own.body), ['bob/private.img', 'bob/public-a.img', 'bob/public-b.img']);
  const onlyPublic = await t.request('GET', '/api/images?public=true', { dn: BOB });
  assert.deepEqual(names(onlyPublic.body), ['bob/public-a.img', 'bob/public-b.img']);
});

test('anonymous callers read a public image’s record, not a private one’s', async () => {
  const record = await t.request('GET', '/api/images/bob/public-a.img');
  assert.equal(record.statusCode, 200, record.body);
  assert.equal((record.json() as { name: string }).name, 'public-a.img');
  const hidden = await t.request('GET', '/api/images/bob/private.img');
  assert.equal(hidden.statusCode, 401, hidden.body);
  const overHttp = await plain.request('GET', '/api/images/bob/public-a.img');
  assert.equal(overHttp.statusCode, 403, overHttp.body);
});
