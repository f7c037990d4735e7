/**
 * Image versions over the API (SPEC §3 "Versions"): every upload is a version; `GET
 * …/versions` lists the kept ones; `GET raw…?version=n` downloads one with its own ETag,
 * ranges, If-Range and 304; `DELETE …/versions/{n}` drops one (not the current: 409);
 * `POST …/rollback` makes n's bytes current as a new version without copying a byte. Bad input
 * (version=abc, a missing version, a read-only image, a reader without the upload right) is a
 * documented 4xx that changes nothing. `[images] keep_versions` drops the oldest; kept versions
 * count towards the quota; a clone starts with the current version only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createImage, createWithBytes, putBytes, sha256Hex, storageFiles } from './helpers/image-helpers.js';
import { createTestApp, dumpDatabase, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';
let t: TestApp;

interface VersionView {
  version: number;
  size: number;
  checksum: { type: string; value: string };
  disk_format: string | null;
  virtual_size: number | null;
  uploaded: string;
  uploaded_by: string | null;
  current: boolean;
}

const blobFiles = async (app: TestApp): Promise<string[]> => (await storageFiles(app)).filter((file) => file.startsWith('blobs/'));
const versionsOf = async (app: TestApp, path: string, dn = BOB): Promise<VersionView[]> => {
  const response = await app.request('GET', `${path}/versions`, { dn });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
};

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
});
after(() => t.close());

test('every upload is a version: the list shows them newest first, with who uploaded, the current one flagged; the record counts them', async () => {
  await createWithBytes(t, BOB, 'bob', 'two.img', 'first bytes');
  const second = await putBytes(t, BOB, '/api/images/raw/two.img', 'second, longer bytes');
  assert.equal(second.statusCode, 200);
  assert.deepEqual([second.json().version, second.json().versions], [2, 2]);
  const versions = await versionsOf(t, '/api/images/two.img');
  assert.deepEqual(
    versions.map((v) => [v.version, v.size, v.checksum.value, v.uploaded_by, v.current, v.disk_format]),
    [
      [2, 20, sha256Hex('second, longer bytes'), 'bob', true, 'raw'],
      [1, 11, sha256Hex('first bytes'), 'bob', false, 'raw'],
    ],
  );
  assert.deepEqual(Object.keys(versions[0]!).sort(), ['checksum', 'current', 'disk_format', 'size', 'uploaded', 'uploaded_by', 'version', 'virtual_size']);
  assert.ok(Date.parse(versions[0]!.uploaded) >= Date.parse(versions[1]!.uploaded));
  assert.deepEqual(await versionsOf(t, '/api/images/bob/two.img'), versions, 'the named namespace says the same');
  await createImage(t, BOB, 'empty.img');
  assert.deepEqual(await versionsOf(t, '/api/images/empty.img'), [], 'an empty slot has none');
});

test('GET raw?version=n serves that version with its own ETag; Range, If-Range and If-None-Match work per version', async () => {
  await createWithBytes(t, BOB, 'bob', 'dl.img', 'version one bytes');
  await putBytes(t, BOB, '/api/images/raw/dl.img', 'version two is here');
  const v1 = await t.request('GET', '/api/images/raw/dl.img?version=1', { dn: BOB });
  assert.equal(v1.statusCode, 200);
  assert.equal(v1.body, 'version one bytes');
  assert.equal(v1.headers.etag, `"${sha256Hex('version one bytes')}"`);
  const current = await t.request('GET', '/api/images/raw/dl.img', { dn: BOB });
  assert.equal(current.body, 'version two is here');
  assert.equal(current.headers.etag, `"${sha256Hex('version two is here')}"`);

  const range = await t.request('GET', '/api/images/raw/bob/dl.img?version=1', { dn: BOB, headers: { range: 'bytes=8-10', 'if-range': String(v1.headers.etag) } });
  assert.equal(range.statusCode, 206);
  assert.equal(range.body, 'one');
  assert.equal(range.headers['content-range'], 'bytes 8-10/17');
  // If-Range with version 2's ETag asked of version 1: the whole of version 1, never a mix.
  const stale = await t.request('GET', '/api/images/raw/dl.img?version=1', { dn: BOB, headers: { range: 'bytes=8-10', 'if-range': String(current.headers.etag) } });
  assert.deepEqual([stale.statusCode, stale.body], [200, 'version one bytes']);
  const notModified = await t.request('GET', '/api/images/raw/dl.img?version=1', { dn: BOB, headers: { 'if-none-match': String(v1.headers.etag) } });
  assert.equal(notModified.statusCode, 304);
  const head = await t.request('HEAD', '/api/images/raw/dl.img?version=1', { dn: BOB });
  assert.deepEqual([head.statusCode, head.headers['content-length'], head.body], [200, '17', '']);
  const busted = await t.request('GET', '/api/images/raw/dl.img?cache=123', { dn: BOB });
  assert.equal(busted.body, 'version two is here', 'other query parameters are ignored as before');
});

test('a version that is not kept is 404 VERSION_NOT_FOUND; version=abc, 0 or 1.5 is 400 naming the parameter', async () => {
  await createWithBytes(t, BOB, 'bob', 'bad.img', 'bytes');
  const missing = await t.request('GET', '/api/images/raw/bad.img?version=9', { dn: BOB });
  assert.equal(missing.statusCode, 404);
  assert.equal(errorOf(missing).code, 'VERSION_NOT_FOUND');
  assert.match(errorOf(missing).message, /bob\/bad\.img keeps no version 9/);
  for (const word of ['abc', '0', '1.5', '-1']) {
    const response = await t.request('GET', `/api/images/raw/bad.img?version=${word}`, { dn: BOB });
    assert.equal(response.statusCode, 400, word);
    assert.match(errorOf(response).message, /version/, word);
  }
  const slot = await createImage(t, BOB, 'slot.img');
  assert.equal(slot.versions, 0);
  assert.equal(errorOf(await t.request('GET', '/api/images/raw/slot.img?version=1', { dn: BOB })).code, 'VERSION_NOT_FOUND');
  for (const url of ['/api/images/bad.img/versions/abc', '/api/images/bad.img/versions/0']) {
    const response = await t.request('DELETE', url, { dn: BOB });
    assert.equal(response.statusCode, 400, url);
  }
});

test('rollback makes an old version current as a new version: same blob, no byte copied, history kept', async () => {
  await createWithBytes(t, BOB, 'bob', 'rb.img', 'good save');
  await putBytes(t, BOB, '/api/images/raw/rb.img', 'bad save!!');
  const blobsBefore = await blobFiles(t);
  const rolled = await t.request('POST', '/api/images/rb.img/rollback', { dn: BOB, json: { version: 1 } });
  assert.equal(rolled.statusCode, 200, rolled.body);
  const image = rolled.json();
  assert.deepEqual([image.version, image.versions, image.size, image.checksum.value], [3, 3, 9, sha256Hex('good save')]);
  assert.deepEqual(await blobFiles(t), blobsBefore, 'no blob written');
  assert.equal((await t.request('GET', '/api/images/raw/rb.img', { dn: BOB })).body, 'good save');
  const versions = await versionsOf(t, '/api/images/rb.img');
  assert.deepEqual(versions.map((v) => [v.version, v.checksum.value, v.current]), [
    [3, sha256Hex('good save'), true],
    [2, sha256Hex('bad save!!'), false],
    [1, sha256Hex('good save'), false],
  ]);
  const rows = await t.metadata.db.selectFrom('image_versions').select(['version', 'blob_key']).where('version', 'in', [1, 3]).where('image_id', '=', (await t.metadata.images.find((await t.metadata.users.findByName('bob'))!.id, 'rb.img'))!.id).execute();
  assert.equal(new Set(rows.map((row) => row.blob_key)).size, 1, 'versions 1 and 3 name one blob');
});

test('rollback refuses a missing version (404), a read-only image (409), a bad body (400), a reader (403); nothing changes', async () => {
  await createWithBytes(t, BOB, 'bob', 'ro.img', 'one');
  await putBytes(t, BOB, '/api/images/raw/ro.img', 'two');
  assert.equal((await t.request('PUT', '/api/images/ro.img/share/user/pam', { dn: BOB })).statusCode, 200);
  const before = await dumpDatabase(t.metadata);
  const cases: [string, Record<string, unknown>, string | undefined, number, string][] = [
    ['/api/images/ro.img/rollback', { version: 7 }, BOB, 404, 'VERSION_NOT_FOUND'],
    ['/api/images/ro.img/rollback', { version: 'x' }, BOB, 400, 'MALFORMED_BODY'],
    ['/api/images/ro.img/rollback', {}, BOB, 400, 'MALFORMED_BODY'],
    ['/api/images/ro.img/rollback', { version: 1, extra: 1 }, BOB, 400, 'UNKNOWN_FIELD'],
    ['/api/images/bob/ro.img/rollback', { version: 1 }, PAM, 403, 'FORBIDDEN'],
    ['/api/images/nope.img/rollback', { version: 1 }, BOB, 404, 'IMAGE_NOT_FOUND'],
  ];
  for (const [url, json, dn, status, code] of cases) {
    const response = await t.request('POST', url, { ...(dn !== undefined && { dn }), json });
    assert.equal(response.statusCode, status, `${url} ${JSON.stringify(json)}: ${response.body}`);
    assert.equal(errorOf(response).code, code, JSON.stringify(json));
  }
  assert.equal((await t.request('PATCH', '/api/images/ro.img', { dn: BOB, json: { read_only: true } })).statusCode, 200);
  const readOnly = await t.request('POST', '/api/images/ro.img/rollback', { dn: BOB, json: { version: 1 } });
  assert.equal(readOnly.statusCode, 409);
  assert.equal(errorOf(readOnly).code, 'IMAGE_READ_ONLY');
  const dropReadOnly = await t.request('DELETE', '/api/images/ro.img/versions/1', { dn: BOB });
  assert.equal(errorOf(dropReadOnly).code, 'IMAGE_READ_ONLY');
  assert.equal((await t.request('PATCH', '/api/images/ro.img', { dn: BOB, json: { read_only: false } })).statusCode, 200);
  const after = await dumpDatabase(t.metadata);
  assert.deepEqual(after.image_versions, before.image_versions, 'no version added or dropped');
  // A reader lists and downloads versions, but may not drop one.
  assert.equal((await versionsOf(t, '/api/images/bob/ro.img', PAM)).length, 2);
  assert.equal((await t.request('GET', '/api/images/raw/bob/ro.img?version=1', { dn: PAM })).body, 'one');
  assert.equal(errorOf(await t.request('DELETE', '/api/images/bob/ro.img/versions/1', { dn: PAM })).code, 'FORBIDDEN');
});

test('DELETE …/versions/{n} drops a kept version (204, then 404) but never the current one (409)', async () => {
  await createWithBytes(t, BOB, 'bob', 'del.img', 'old');
  await putBytes(t, BOB, '/api/images/raw/del.img', 'new');
  const current = await t.request('DELETE', '/api/images/del.img/versions/2', { dn: BOB });
  assert.equal(current.statusCode, 409);
  assert.equal(errorOf(current).code, 'CONFLICT');
  assert.match(errorOf(current).message, /current/);
  assert.equal((await t.request('DELETE', '/api/images/bob/del.img/versions/1', { dn: BOB })).statusCode, 204);
  assert.equal(errorOf(await t.request('DELETE', '/api/images/del.img/versions/1', { dn: BOB })).code, 'VERSION_NOT_FOUND');
  assert.equal(errorOf(await t.request('GET', '/api/images/raw/del.img?version=1', { dn: BOB })).code, 'VERSION_NOT_FOUND');
  assert.deepEqual((await versionsOf(t, '/api/images/del.img')).map((v) => v.version), [2]);
  assert.equal((await t.request('GET', '/api/images/del.img', { dn: BOB })).json().versions, 1);
});

test('a clone starts with the current version only, made by the cloner', async () => {
  await createWithBytes(t, BOB, 'bob', 'src.img', 'v1');
  await putBytes(t, BOB, '/api/images/raw/src.img', 'v2');
  assert.equal((await t.request('PUT', '/api/images/src.img/share/user/pam', { dn: BOB })).statusCode, 200);
  const clone = await t.request('POST', '/api/images/bob/src.img/clone', { dn: PAM, json: { name: 'copy.img' } });
  assert.equal(clone.statusCode, 201, clone.body);
  assert.deepEqual([clone.json().version, clone.json().versions], [1, 1]);
  const versions = await versionsOf(t, '/api/images/copy.img', PAM);
  assert.deepEqual(versions.map((v) => [v.version, v.checksum.value, v.uploaded_by, v.current]), [[1, sha256Hex('v2'), 'pam', true]]);
});

test('[images] keep_versions drops the oldest versions; kept versions count towards the quota, a rollback stores no byte', async () => {
  const small = await createTestApp({ env: { REPOMAN_IMAGES_KEEP_VERSIONS: '2' } });
  try {
    await small.addUser('bob', BOB);
    await createWithBytes(small, BOB, 'bob', 'k.img', 'aaaa');
    for (const bytes of ['bbbbbbbb', 'cccccccccccc']) assert.equal((await putBytes(small, BOB, '/api/images/raw/k.img', bytes)).statusCode, 200);
    assert.deepEqual((await versionsOf(small, '/api/images/k.img')).map((v) => [v.version, v.size]), [[3, 12], [2, 8]]);
    assert.equal(errorOf(await small.request('GET', '/api/images/raw/k.img?version=1', { dn: BOB })).code, 'VERSION_NOT_FOUND');
    const whoami = async () => (await small.request('GET', '/api/whoami', { dn: BOB })).json().usage;
    assert.deepEqual(await whoami(), { bytes: 20, images: 1 }, 'both kept versions count');
    // Rolling back to 2 keeps 3 and the new 4 (version 2's blob): 12 + 8, and no blob more.
    const blobsBefore = await blobFiles(small);
    assert.equal((await small.request('POST', '/api/images/k.img/rollback', { dn: BOB, json: { version: 2 } })).statusCode, 200);
    assert.deepEqual((await versionsOf(small, '/api/images/k.img')).map((v) => [v.version, v.size]), [[4, 8], [3, 12]]);
    assert.deepEqual(await whoami(), { bytes: 20, images: 1 });
    assert.deepEqual(await blobFiles(small), blobsBefore);
    // A quota that fits the kept versions but not one more of the same size.
    const admin = await small.metadata.users.findByName('bob');
    await small.metadata.users.update(admin!.id, { quotaBytes: 25 });
    // Keeping 2, an upload of 12 pushes out version 3 (12): 8 + 12 = 20 fits.
    assert.equal((await putBytes(small, BOB, '/api/images/raw/k.img', 'dddddddddddd')).statusCode, 200);
    const over = await putBytes(small, BOB, '/api/images/raw/k.img', 'e'.repeat(20));
    assert.equal(over.statusCode, 413, 'pushes out 8, adds 20: 12 + 20 > 25');
    assert.equal(errorOf(over).code, 'QUOTA_EXCEEDED');
  } finally {
    await small.close();
  }
});
