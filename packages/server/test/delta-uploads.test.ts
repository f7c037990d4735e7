/**
 * Delta re-saves through the API (SPEC §3 "Blocks"), in-process: an upload created with
 * `Repoman-Base-Version: n` starts as version n's bytes (copied in storage), `PATCH` with
 * `Repoman-Block-Offset` replaces changed blocks, and the empty `PATCH` at the end commits a new
 * version after the whole sha256 is verified (422 and nothing changed when it differs), for a
 * grown or a shrunk image alike. The whole sha256 may instead come on the PATCH that completes
 * the upload (`Repoman-Image-Checksum`, so a client creates the upload while it still hashes):
 * right, a new version; wrong, or other than the one announced at creation, 422 with the image
 * and its versions unchanged; absent from both, 400 and the upload kept for a PATCH with it.
 * Bad input: a version not kept, an offset off a block boundary or past the end, a block write
 * into a plain tus upload, someone else's upload: each a 4xx, the image unchanged. A storage
 * that cannot base an upload: 501, clients upload the whole image.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { UnsupportedUploadError, type BlobStore } from '../src/storage/index.js';
import { createWithBytes, putBytes, sha256Hex } from './helpers/image-helpers.js';
import { createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';
const MIB = 1024 * 1024;
const BLOCK = 8 * MIB;
const TUS = { 'tus-resumable': '1.0.0' };
const PATCH = { ...TUS, 'content-type': 'application/offset+octet-stream' };
const metadataOf = (bytes: Buffer): string => `sha256 ${Buffer.from(sha256Hex(bytes)).toString('base64')}`;

let t: TestApp;

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
});
after(() => t.close());

async function startDelta(name: string, base: number, next: Buffer, headers: Record<string, string> = {}): Promise<string> {
  const created = await t.request('POST', `/api/images/${name}/uploads`, {
    dn: BOB,
    headers: { ...TUS, 'upload-length': String(next.length), 'upload-metadata': metadataOf(next), 'repoman-base-version': String(base), ...headers },
  });
  assert.equal(created.statusCode, 201, created.body);
  return created.headers.location as string;
}

const writeBlock = (path: string, offset: number, payload: Buffer, dn = BOB) =>
  t.request('PATCH', path, { dn, payload, headers: { ...PATCH, 'repoman-block-offset': String(offset) } });
const finish = (path: string, length: number, headers: Record<string, string> = {}) =>
  t.request('PATCH', path, { dn: BOB, payload: Buffer.alloc(0), headers: { ...PATCH, 'upload-offset': String(length), ...headers } });
/** `Repoman-Image-Checksum` of bytes: tus' `Upload-Checksum` form. */
const imageChecksum = (bytes: Buffer): Record<string, string> => ({ 'repoman-image-checksum': `sha256 ${Buffer.from(sha256Hex(bytes), 'hex').toString('base64')}` });
/** Starts a delta upload that announces no sha256 (it comes on the last PATCH). */
async function startUnannounced(name: string, base: number, length: number): Promise<string> {
  const created = await t.request('POST', `/api/images/${name}/uploads`, { dn: BOB, headers: { ...TUS, 'upload-length': String(length), 'repoman-base-version': String(base) } });
  assert.equal(created.statusCode, 201, created.body);
  return created.headers.location as string;
}
const versionsOf = async (name: string): Promise<number[]> =>
  ((await t.request('GET', `/api/images/${name}/versions`, { dn: BOB })).json() as { version: number }[]).map((v) => v.version);
const download = async (name: string): Promise<Buffer> => (await t.request('GET', `/api/images/raw/${name}`, { dn: BOB })).rawPayload;

test('a delta upload starts as the base version, takes changed blocks, commits a verified new version; grown and shrunk', async () => {
  const first = randomBytes(3 * BLOCK + MIB);
  await createWithBytes(t, BOB, 'bob', 'disk.img', first);
  // Grown by a block and a half, blocks 1 and 4 changed.
  const second = Buffer.concat([first, randomBytes(BLOCK + BLOCK / 2)]);
  randomBytes(BLOCK).copy(second, BLOCK);
  const upload = await startDelta('disk.img', 1, second);
  const state = await t.request('HEAD', upload, { dn: BOB, headers: TUS });
  assert.equal(state.headers['upload-offset'], String(second.length), 'every byte is there from the start');
  for (const offset of [BLOCK, 3 * BLOCK, 4 * BLOCK]) {
    const written = await writeBlock(upload, offset, second.subarray(offset, offset + BLOCK));
    assert.equal(written.statusCode, 204, written.body);
  }
  const done = await finish(upload, second.length);
  assert.equal(done.statusCode, 204, done.body);
  assert.deepEqual(await download('disk.img'), second);

  // Shrunk to 1.5 blocks based on version 2, nothing sent but the commit.
  const third = second.subarray(0, BLOCK + BLOCK / 2);
  const shrink = await startDelta('disk.img', 2, Buffer.from(third));
  assert.equal((await finish(shrink, third.length)).statusCode, 204);
  assert.deepEqual(await download('disk.img'), third);
  const versions = (await t.request('GET', '/api/images/disk.img/versions', { dn: BOB })).json() as { version: number; size: number }[];
  assert.deepEqual(versions.map((v) => [v.version, v.size]), [[3, third.length], [2, second.length], [1, first.length]]);
});

test('a wrong whole sha256 is 422 at commit and the image keeps its bytes', async () => {
  const first = randomBytes(BLOCK + 10);
  await createWithBytes(t, BOB, 'bob', 'liar.img', first);
  const claimed = randomBytes(BLOCK + 10);
  const upload = await startDelta('liar.img', 1, claimed);
  // Block 0 is "forgotten": the stored bytes are not the announced image.
  const refused = await finish(upload, claimed.length);
  assert.equal(refused.statusCode, 422, refused.body);
  assert.equal(errorOf(refused).code, 'CHECKSUM_MISMATCH');
  assert.deepEqual(await download('liar.img'), first);
  assert.equal((await t.request('HEAD', upload, { dn: BOB, headers: TUS })).statusCode, 404, 'the refused upload is gone');
});

test('the whole sha256 on the last PATCH: right commits, wrong is 422 and changes nothing', async () => {
  const first = randomBytes(2 * BLOCK + 5);
  await createWithBytes(t, BOB, 'bob', 'late.img', first);
  const second = Buffer.from(first);
  randomBytes(BLOCK).copy(second, BLOCK);

  const blobKeys = async (): Promise<string[]> => {
    const keys: string[] = [];
    for await (const key of t.blobs.list()) keys.push(key);
    return keys.sort();
  };
  const blobsBefore = await blobKeys();
  // Wrong: the digest of other bytes. 422, the image, its versions and the store unchanged.
  const wrong = await startUnannounced('late.img', 1, second.length);
  assert.equal((await writeBlock(wrong, BLOCK, second.subarray(BLOCK, 2 * BLOCK))).statusCode, 204);
  const refused = await finish(wrong, second.length, imageChecksum(randomBytes(64)));
  assert.equal(refused.statusCode, 422, refused.body);
  assert.equal(errorOf(refused).code, 'CHECKSUM_MISMATCH');
  assert.deepEqual(await download('late.img'), first);
  assert.deepEqual(await versionsOf('late.img'), [1]);
  assert.equal((await t.request('HEAD', wrong, { dn: BOB, headers: TUS })).statusCode, 404, 'the refused upload is gone');
  assert.deepEqual(await blobKeys(), blobsBefore, 'no blob published');

  // None on the last PATCH nor at creation: 400, and the upload stays for a PATCH with it.
  const right = await startUnannounced('late.img', 1, second.length);
  assert.equal((await writeBlock(right, BLOCK, second.subarray(BLOCK, 2 * BLOCK))).statusCode, 204);
  const without = await finish(right, second.length);
  assert.equal(without.statusCode, 400, without.body);
  assert.match(errorOf(without).message, /Repoman-Image-Checksum/);
  assert.deepEqual(await versionsOf('late.img'), [1]);
  const malformed = await finish(right, second.length, { 'repoman-image-checksum': 'md5 AAAA' });
  assert.equal(malformed.statusCode, 400);
  assert.match(errorOf(malformed).message, /Repoman-Image-Checksum/);
  const done = await finish(right, second.length, imageChecksum(second));
  assert.equal(done.statusCode, 204, done.body);
  assert.deepEqual(await download('late.img'), second);
  assert.deepEqual(await versionsOf('late.img'), [2, 1]);

  // Announced at creation (older clients) and another on the last PATCH: they disagree, 422.
  const both = await startDelta('late.img', 2, second);
  const disagree = await finish(both, second.length, imageChecksum(first));
  assert.equal(disagree.statusCode, 422, disagree.body);
  assert.match(errorOf(disagree).message, /announced when the upload was created/);
  assert.deepEqual(await versionsOf('late.img'), [2, 1]);
  assert.deepEqual(await download('late.img'), second);
});

test('bad input is a 4xx and changes nothing', async () => {
  const first = randomBytes(2 * BLOCK);
  await createWithBytes(t, BOB, 'bob', 'bad.img', first);
  const missing = await t.request('POST', '/api/images/bad.img/uploads', { dn: BOB, headers: { ...TUS, 'upload-length': '10', 'upload-metadata': metadataOf(first), 'repoman-base-version': '7' } });
  assert.equal(missing.statusCode, 404);
  assert.equal(errorOf(missing).code, 'VERSION_NOT_FOUND');
  const junk = await t.request('POST', '/api/images/bad.img/uploads', { dn: BOB, headers: { ...TUS, 'upload-length': '10', 'upload-metadata': metadataOf(first), 'repoman-base-version': 'latest' } });
  assert.equal(junk.statusCode, 400);

  const upload = await startDelta('bad.img', 1, first);
  const offBoundary = await writeBlock(upload, 4096, Buffer.alloc(10));
  assert.equal(offBoundary.statusCode, 400);
  assert.match(errorOf(offBoundary).message, /multiple of the block size/);
  const pastEnd = await writeBlock(upload, BLOCK, Buffer.alloc(BLOCK + 1));
  assert.equal(pastEnd.statusCode, 413);
  const notYours = await writeBlock(upload, 0, Buffer.alloc(10), PAM);
  assert.equal(notYours.statusCode, 404);

  const plain = await t.request('POST', '/api/images/bad.img/uploads', { dn: BOB, headers: { ...TUS, 'upload-length': '10' } });
  const intoPlain = await writeBlock(plain.headers.location as string, 0, Buffer.alloc(10));
  assert.equal(intoPlain.statusCode, 409);
  assert.match(errorOf(intoPlain).message, /Repoman-Base-Version/);

  // Nothing above changed the stored bytes of the delta upload: it still commits the base.
  assert.equal((await finish(upload, first.length)).statusCode, 204);
  assert.deepEqual(await download('bad.img'), first);
  assert.equal((await putBytes(t, BOB, '/api/images/raw/bad.img', 'still writable')).statusCode, 200);
});

test('a storage that cannot base an upload answers 501 NOT_IMPLEMENTED (clients upload whole), the image unchanged', async () => {
  /** The store with createResumableFrom replaced (undefined: a driver without the fast path). */
  const withBasedOn = (blobs: BlobStore, createResumableFrom: BlobStore['createResumableFrom']): BlobStore =>
    new Proxy(blobs, {
      get: (target, property) => {
        if (property === 'createResumableFrom') return createResumableFrom;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const tooLarge = () => Promise.reject(new UnsupportedUploadError('an upload based on a blob holds at most 10000 blocks of 8388608 bytes on S3'));
  for (const createResumableFrom of [undefined, tooLarge]) {
    const app = await createTestApp({ wrapBlobs: (blobs) => withBasedOn(blobs, createResumableFrom) });
    try {
      await app.addUser('bob', BOB);
      const first = randomBytes(BLOCK + 1);
      await createWithBytes(app, BOB, 'bob', 'big.img', first);
      const created = await app.request('POST', '/api/images/big.img/uploads', {
        dn: BOB,
        headers: { ...TUS, 'upload-length': String(first.length), 'upload-metadata': metadataOf(first), 'repoman-base-version': '1' },
      });
      assert.equal(created.statusCode, 501, created.body);
      assert.equal(errorOf(created).code, 'NOT_IMPLEMENTED');
      assert.match(errorOf(created).message, /upload the whole image/);
      assert.deepEqual((await app.request('GET', '/api/images/raw/big.img', { dn: BOB })).rawPayload, first);
    } finally {
      await app.close();
    }
  }
});
