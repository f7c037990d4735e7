/**
 * Quotas (SPEC §3 "Quotas"): `[quotas]` defaults and per-user quotas set by admins, usage in
 * `whoami` and the user record, 413 QUOTA_EXCEEDED (with usage and limit in the message) for a
 * slot over the count (create, clone) and for an upload whose length would pass the bytes,
 * refused before any byte is read (curl with `Expect: 100-continue` sends ~nothing), a chunked
 * upload cut as soon as it passes with nothing kept, a replacement counting only what it adds,
 * admins not exempt, and a quota below usage accepted with a warning.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { createImage, createWithBytes, putBytes, sha256Hex, storageFiles } from './helpers/image-helpers.js';
import { listen } from './helpers/listen.js';
import { randomFile } from './helpers/test-files.js';
import { ADMIN_DN, createTestApp, dumpDatabase, errorOf, TEST_DN_HEADER, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';
const MIB = 1024 * 1024;
let t: TestApp;
let base: string;
let dir: string;

before(async () => {
  // Defaults: 3 images and 100 bytes for whoever has no quota of its own. One version kept, so
  // that an upload replaces what it counts (kept versions counting: image-versions.test.ts).
  t = await createTestApp({ env: { REPOMAN_QUOTAS_USER_IMAGES: '3', REPOMAN_QUOTAS_USER_BYTES: '100', REPOMAN_IMAGES_KEEP_VERSIONS: '1' } });
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
  ({ base } = await listen(t));
  dir = await mkdtemp(join(tmpdir(), 'repoman-quotas-'));
});
after(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

const setQuota = (user: string, json: Record<string, unknown>, dn = ADMIN_DN) => t.request('PATCH', `/api/users/${user}`, { dn, json });

test('the [quotas] defaults apply until an admin sets a quota; whoami and the user record show usage', async () => {
  await createWithBytes(t, PAM, 'pam', 'a.img', 'x'.repeat(40));
  await createImage(t, PAM, 'empty.img');
  const whoami = (await t.request('GET', '/api/whoami', { dn: PAM })).json();
  assert.deepEqual([whoami.quota_bytes, whoami.quota_images, whoami.usage], [100, 3, { bytes: 40, images: 2 }]);
  const record = (await t.request('GET', '/api/users/pam', { dn: BOB })).json();
  assert.deepEqual([record.quota_bytes, record.quota_images, record.usage], [100, 3, { bytes: 40, images: 2 }]);
  const listed = (await t.request('GET', '/api/users', { dn: BOB })).json().find((user: { user_name: string }) => user.user_name === 'pam');
  assert.deepEqual(listed.usage, { bytes: 40, images: 2 });

  const set = await setQuota('pam', { quota_bytes: 5000, quota_images: 0 });
  assert.equal(set.statusCode, 200, set.body);
  assert.deepEqual([set.json().quota_bytes, set.json().quota_images, set.json().warning], [5000, 0, undefined]);
  assert.equal((await t.request('GET', '/api/whoami', { dn: PAM })).json().quota_bytes, 5000);
});

test('only admins set quotas; a quota must be a whole number >= 0; nothing changes otherwise', async () => {
  const before = await dumpDatabase(t.metadata);
  assert.equal(errorOf(await setQuota('bob', { quota_bytes: 10 ** 12 }, BOB)).code, 'FORBIDDEN');
  for (const bad of [-1, 1.5, '10G', null]) {
    const response = await setQuota('bob', { quota_bytes: bad });
    assert.equal(response.statusCode, 400, `quota_bytes ${JSON.stringify(bad)}`);
    assert.match(errorOf(response).message, /quota_bytes must be a whole number >= 0/);
  }
  assert.deepEqual(await dumpDatabase(t.metadata), before);
});

test('a form-encoded body sets quotas from digits; other words are 400 and change nothing', async () => {
  const form = (body: Record<string, string>) => t.request('PATCH', '/api/users/pam', { dn: ADMIN_DN, form: body });
  const set = await form({ quota_bytes: '7000', quota_images: ' 9 ' });
  assert.equal(set.statusCode, 200, set.body);
  assert.deepEqual([set.json().quota_bytes, set.json().quota_images], [7000, 9]);
  const before = await dumpDatabase(t.metadata);
  for (const bad of ['-1', '1.5', '10G', '']) {
    const response = await form({ quota_bytes: bad });
    assert.equal(response.statusCode, 400, `quota_bytes ${JSON.stringify(bad)}`);
    assert.match(errorOf(response).message, /quota_bytes must be a whole number >= 0/);
  }
  assert.deepEqual(await dumpDatabase(t.metadata), before);
  await form({ quota_bytes: '5000', quota_images: '0' }); // as the test before left it
});

test('a slot over the image count is 413 QUOTA_EXCEEDED, for create and clone alike', async () => {
  await setQuota('bob', { quota_images: 2, quota_bytes: 0 });
  await createWithBytes(t, BOB, 'bob', 'one.img', 'bob one');
  await createImage(t, BOB, 'two.img');
  const created = await t.request('POST', '/api/images', { dn: BOB, json: { name: 'three.img' } });
  assert.equal(created.statusCode, 413);
  assert.equal(errorOf(created).code, 'QUOTA_EXCEEDED');
  assert.match(errorOf(created).message, /bob owns 2 images .* of a quota of 2/);
  const cloned = await t.request('POST', '/api/images/bob/one.img/clone', { dn: BOB, json: { name: 'copy.img' } });
  assert.equal(errorOf(cloned).code, 'QUOTA_EXCEEDED');
  assert.equal((await t.request('GET', '/api/images/bob/three.img', { dn: BOB })).statusCode, 404);
  assert.equal((await t.request('GET', '/api/images/bob/copy.img', { dn: BOB })).statusCode, 404);
  // Deleting one frees a slot.
  assert.equal((await t.request('DELETE', '/api/images/bob/two.img', { dn: BOB })).statusCode, 204);
  assert.equal((await t.request('POST', '/api/images/bob/one.img/clone', { dn: BOB, json: { name: 'copy.img' } })).statusCode, 201);
  await setQuota('bob', { quota_images: 0 });
});

test('an upload whose length would pass the byte quota is 413 before any byte is read; a replacement counts only what it adds', async () => {
  await setQuota('bob', { quota_bytes: 100 });
  await createImage(t, BOB, 'big.img');
  const used = (await t.request('GET', '/api/whoami', { dn: BOB })).json().usage.bytes as number;
  const files = await storageFiles(t);
  const over = await putBytes(t, BOB, '/api/images/raw/bob/big.img', 'y'.repeat(101 - used));
  assert.equal(over.statusCode, 413);
  assert.equal(errorOf(over).code, 'QUOTA_EXCEEDED');
  assert.match(errorOf(over).message, new RegExp(`hold ${used} bytes .* of a quota of 100 bytes; an upload of ${101 - used} bytes`));
  assert.equal(over.headers.connection, 'close', 'the unread body is not drained');
  assert.deepEqual(await storageFiles(t), files, 'nothing kept');

  const fits = await putBytes(t, BOB, '/api/images/raw/bob/big.img', 'y'.repeat(100 - used));
  assert.equal(fits.statusCode, 200, fits.body);
  // Full: replacing the same bytes with as many (or fewer) is fine, one more is not.
  assert.equal((await putBytes(t, BOB, '/api/images/raw/bob/big.img', 'z'.repeat(100 - used))).statusCode, 200);
  assert.equal(errorOf(await putBytes(t, BOB, '/api/images/raw/bob/big.img', 'z'.repeat(101 - used))).code, 'QUOTA_EXCEEDED');
  assert.equal((await t.request('GET', '/api/images/bob/big.img', { dn: BOB })).json().checksum.value, sha256Hex('z'.repeat(100 - used)), 'the previous bytes are intact');
  const clone = await t.request('POST', '/api/images/bob/big.img/clone', { dn: BOB, json: { name: 'big-copy.img' } });
  assert.equal(errorOf(clone).code, 'QUOTA_EXCEEDED', 'a clone counts its bytes too');
  assert.match(errorOf(clone).message, /a clone of \d+ bytes named bob\/big-copy.img would pass it/);
  await setQuota('bob', { quota_bytes: 0 });
});

test('admins are not exempt unless their quota is 0', async () => {
  await setQuota('admin', { quota_images: 1 });
  await createImage(t, ADMIN_DN, 'mine.img');
  assert.equal(errorOf(await t.request('POST', '/api/images', { dn: ADMIN_DN, json: { name: 'more.img' } })).code, 'QUOTA_EXCEEDED');
  await setQuota('admin', { quota_images: 0 });
  assert.equal((await t.request('POST', '/api/images', { dn: ADMIN_DN, json: { name: 'more.img' } })).statusCode, 201);
});

test('a quota below current usage is accepted with a warning, and only blocks what adds', async () => {
  const response = await setQuota('pam', { quota_bytes: 10, quota_images: 1 });
  assert.equal(response.statusCode, 200);
  const body = response.json();
  assert.deepEqual([body.quota_bytes, body.quota_images, body.usage], [10, 1, { bytes: 40, images: 2 }]);
  assert.match(body.warning, /quota_bytes 10 is below the 40 bytes .*quota_images 1 is below the 2 images.*accepted/);
  assert.equal((await t.request('GET', '/api/images/pam/a.img', { dn: PAM })).statusCode, 200, 'nothing is deleted');
  assert.equal((await putBytes(t, PAM, '/api/images/raw/pam/a.img', 'smaller')).statusCode, 200, 'a smaller replacement frees bytes');
  assert.equal(errorOf(await putBytes(t, PAM, '/api/images/raw/pam/empty.img', 'xxxx')).code, 'QUOTA_EXCEEDED', '7 + 4 bytes would pass 10');
  assert.equal(errorOf(await t.request('POST', '/api/images', { dn: PAM, json: { name: 'more.img' } })).code, 'QUOTA_EXCEEDED');
  assert.equal((await setQuota('pam', { quota_bytes: 0, quota_images: 0 })).json().warning, undefined);
});

/** curl beside the server in this process (never spawnSync, which would stop it). */
async function curlPut(path: string, dn: string, args: string[]): Promise<{ statuses: number[]; uploaded: number; body: string }> {
  const all = ['-sS', '-D', '-', '-w', '\n%{size_upload}', '-H', `${TEST_DN_HEADER}: ${encodeURIComponent(dn)}`, ...args, `${base}${path}`];
  const { stdout } = await promisify(execFile)('curl', all, { encoding: 'latin1', timeout: 60_000 });
  const statuses = [...stdout.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));
  return { statuses, uploaded: Number(stdout.trimEnd().split('\n').at(-1)), body: stdout };
}

test('curl -T with Expect: 100-continue over the quota gets 413 without 100 and sends (almost) nothing', async () => {
  await setQuota('bob', { quota_bytes: 8 * MIB });
  await createImage(t, BOB, 'expect.img');
  const file = join(dir, 'expect.img');
  await randomFile(file, 32 * MIB);
  for (let run = 0; run < 5; run += 1) {
    const upload = await curlPut('/api/images/raw/bob/expect.img', BOB, ['-T', file, '-H', 'Expect: 100-continue']);
    assert.deepEqual(upload.statuses, [413], upload.body.slice(0, 500));
    assert.match(upload.body, /"code":"QUOTA_EXCEEDED"/);
    assert.ok(upload.uploaded < MIB, `run ${run}: curl uploaded ${upload.uploaded} bytes`);
  }
});

test('a chunked upload is cut as soon as it passes the quota; nothing is kept, the previous bytes stay', async () => {
  await setQuota('bob', { quota_bytes: 8 * MIB });
  await createWithBytes(t, BOB, 'bob', 'chunked.img', 'previous');
  const file = join(dir, 'chunked.img');
  await randomFile(file, 32 * MIB);
  const files = await storageFiles(t);
  const upload = await curlPut('/api/images/raw/bob/chunked.img', BOB, ['-T', file, '-H', 'Transfer-Encoding: chunked']);
  assert.ok(upload.statuses.includes(413), upload.body.slice(0, 500));
  assert.match(upload.body, /"code":"QUOTA_EXCEEDED".*nothing was kept/);
  assert.deepEqual(await storageFiles(t), files, 'nothing kept');
  assert.equal((await t.request('GET', '/api/images/bob/chunked.img', { dn: BOB })).json().checksum.value, sha256Hex('previous'));
  // Within the quota, a chunked upload goes through.
  const small = join(dir, 'small.img');
  await randomFile(small, 2 * MIB);
  const ok = await curlPut('/api/images/raw/bob/chunked.img', BOB, ['-T', small, '-H', 'Transfer-Encoding: chunked']);
  assert.ok(ok.statuses.includes(200), ok.body.slice(0, 500));
  assert.equal((await t.request('GET', '/api/whoami', { dn: BOB })).json().usage.bytes <= 8 * MIB, true);
  await setQuota('bob', { quota_bytes: 0 });
});
