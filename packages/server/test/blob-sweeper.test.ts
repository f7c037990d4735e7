/**
 * The sweeper of image storage: a blob no image row names is removed once its grace period
 * has passed, never before, and never while some row (an image, a clone) still names it;
 * abandoned temporary uploads are removed once old enough, uploads in progress never.
 */
import assert from 'node:assert/strict';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createBlobSweeper, HOUR_MS } from '../src/services/blob-sweeper.js';
import { createWithBytes, putBytes, storageFiles } from './helpers/image-helpers.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
let t: TestApp;

const blobFiles = async (): Promise<string[]> => (await storageFiles(t)).filter((file) => file.startsWith('blobs/'));
const uploadFiles = async (): Promise<string[]> => (await storageFiles(t)).filter((file) => file.startsWith('uploads/'));
const sweeperAt = (offsetMs: number) => createBlobSweeper(t.metadata.images, t.blobs, { now: () => Date.now() + offsetMs });

before(async () => {
  // One version kept: a new upload drops the previous bytes (kept versions: image-versions.test.ts).
  t = await createTestApp({ env: { REPOMAN_IMAGES_KEEP_VERSIONS: '1' } });
  await t.addUser('bob', BOB);
});
after(() => t.close());

test('a blob replaced by a new upload is kept during the grace period and removed after it; the current one stays', async () => {
  await createWithBytes(t, BOB, 'bob', 'a.img', 'first content');
  const [first] = await blobFiles();
  await putBytes(t, BOB, '/api/images/raw/a.img', 'second content');
  assert.equal((await blobFiles()).length, 2);
  assert.deepEqual(await sweeperAt(0).sweep(), { uploads: 0, blobs: 0, expired: 0, orphans: 0 });
  assert.equal((await blobFiles()).length, 2, 'within the grace period nothing goes');
  assert.deepEqual(await sweeperAt(2 * HOUR_MS).sweep(), { uploads: 0, blobs: 1, expired: 0, orphans: 0 });
  const left = await blobFiles();
  assert.equal(left.length, 1);
  assert.notEqual(left[0], first);
  assert.equal((await t.request('GET', '/api/images/raw/a.img', { dn: BOB })).body, 'second content');
});

test('a blob still named by a clone survives the deletion of its original; it goes once the clone goes', async () => {
  await createWithBytes(t, BOB, 'bob', 'orig.img', 'shared content');
  assert.equal((await t.request('POST', '/api/images/orig.img/clone', { dn: BOB, json: { name: 'clone.img' } })).statusCode, 201);
  const before = await blobFiles();
  assert.equal((await t.request('DELETE', '/api/images/orig.img', { dn: BOB })).statusCode, 204);
  await sweeperAt(2 * HOUR_MS).sweep();
  assert.deepEqual(await blobFiles(), before);
  assert.equal((await t.request('GET', '/api/images/raw/clone.img', { dn: BOB })).body, 'shared content');
  assert.equal((await t.request('DELETE', '/api/images/clone.img', { dn: BOB })).statusCode, 204);
  assert.equal((await sweeperAt(2 * HOUR_MS).sweep()).blobs, 1);
  assert.equal((await blobFiles()).length, before.length - 1);
});

test('abandoned temporary uploads are removed once older than the upload age; recent ones and uploads in progress stay', async () => {
  const uploads = join(t.config.storage.path, 'uploads');
  await mkdir(uploads, { recursive: true });
  const old = join(uploads, '00000000-0000-4000-8000-000000000001');
  const recent = join(uploads, '00000000-0000-4000-8000-000000000002');
  await writeFile(old, 'left by a killed server');
  await writeFile(recent, 'maybe another instance');
  const longAgo = new Date(Date.now() - 25 * HOUR_MS);
  await utimes(old, longAgo, longAgo);
  const inProgress = await t.blobs.createUpload();
  try {
    const sweeper = createBlobSweeper(t.metadata.images, t.blobs);
    assert.equal(await sweeper.sweepUploads(), 1);
    const left = await uploadFiles();
    assert.deepEqual(left, [`uploads/${inProgress.id}`, 'uploads/00000000-0000-4000-8000-000000000002'].sort());
  } finally {
    await inProgress.cancel();
  }
  const sweeper = createBlobSweeper(t.metadata.images, t.blobs, { uploadAgeMs: 0 });
  assert.equal(await sweeper.sweepUploads(), 1);
  assert.deepEqual(await uploadFiles(), []);
});

test('start() sweeps at once and on its timer; stop() waits for the sweep in progress', async () => {
  await createWithBytes(t, BOB, 'bob', 'timer.img', 'timer one');
  await putBytes(t, BOB, '/api/images/raw/timer.img', 'timer two');
  const lines: string[] = [];
  const sweeper = createBlobSweeper(t.metadata.images, t.blobs, { graceMs: 0, intervalMs: 20, report: (line) => lines.push(line), now: () => Date.now() + 1000 });
  sweeper.start();
  await new Promise((resolve) => setTimeout(resolve, 100));
  await sweeper.stop();
  assert.ok(lines.some((line) => /unreferenced blob/.test(line)), lines.join('\n'));
  assert.equal((await t.request('GET', '/api/images/raw/timer.img', { dn: BOB })).body, 'timer two');
  const referenced = await t.metadata.images.referencedBlobKeys();
  assert.deepEqual((await blobFiles()).sort(), [...referenced].sort());
});
