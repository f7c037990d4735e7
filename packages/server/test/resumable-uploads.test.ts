/**
 * Resumable uploads (tus 1.0, SPEC §3) through the API, in-process: discovery, creation,
 * offsets, appends, the commit that makes a verified new version exactly as a PUT does, and the
 * bad input of issue [4/9]: a wrong content type (415), wrong, negative or non-numeric offsets
 * (409, 400), bytes beyond Upload-Length and lengths over `max_image_bytes` or the quota (413
 * before any byte), someone else's upload (404 revealing nothing), a wrong per-PATCH checksum
 * (460, bytes not kept), a wrong whole digest (422, image unchanged), another tus version (412),
 * two PATCHes racing at one offset (one wins, the other 409, bytes intact), and expired uploads
 * removed by the sweeper with their bytes while unexpired ones stay.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, utimes } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { createBlobSweeper, HOUR_MS } from '../src/services/blob-sweeper.js';
import { createImage, putBytes, sha256Hex, storageFiles } from './helpers/image-helpers.js';
import { listen } from './helpers/listen.js';
import { sourceOf } from './storage/test-sources.js';
import { createTestApp, errorOf, TEST_DN_HEADER, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';
const TUS = { 'tus-resumable': '1.0.0' };
const PATCH = { ...TUS, 'content-type': 'application/offset+octet-stream' };
const b64 = (text: string): string => Buffer.from(text).toString('base64');

let t: TestApp;

before(async () => {
  t = await createTestApp({ env: { REPOMAN_LIMITS_MAX_IMAGE_BYTES: String(64 * 1024 * 1024) } });
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
});
after(() => t.close());

/** Creates an upload of `length` bytes to bob's `name`; returns its path. */
async function start(name: string, length: number, headers: Record<string, string> = {}): Promise<string> {
  const created = await t.request('POST', `/api/images/${name}/uploads`, { dn: BOB, headers: { ...TUS, 'upload-length': String(length), ...headers } });
  assert.equal(created.statusCode, 201, created.body);
  const location = created.headers.location as string;
  assert.match(location, /^\/api\/uploads\/[0-9a-f]{32}$/);
  return location;
}

const patch = (path: string, offset: number | string, payload: Buffer | string, headers: Record<string, string> = {}, dn = BOB) =>
  t.request('PATCH', path, { dn, payload, headers: { ...PATCH, 'upload-offset': String(offset), ...headers } });
const head = (path: string, dn = BOB) => t.request('HEAD', path, { dn, headers: TUS });

describe('discovery and version', () => {
  test('OPTIONS on /api/uploads and on a creation URL says tus 1.0.0, its extensions, sha256 and the largest size, without a certificate', async () => {
    for (const url of ['/api/uploads', '/api/images/a.img/uploads', '/api/images/bob/a.img/uploads']) {
      const answer = await t.request('OPTIONS', url);
      assert.equal(answer.statusCode, 204, url);
      assert.equal(answer.headers['tus-resumable'], '1.0.0');
      assert.equal(answer.headers['tus-version'], '1.0.0');
      assert.equal(answer.headers['tus-extension'], 'creation,expiration,checksum,checksum-trailer,termination');
      assert.equal(answer.headers['tus-checksum-algorithm'], 'sha256');
      assert.equal(answer.headers['tus-max-size'], String(64 * 1024 * 1024));
    }
  });

  test('another Tus-Resumable version is 412 with Tus-Version; errors carry Tus-Resumable too', async () => {
    await createImage(t, BOB, 'v.img');
    const answer = await t.request('POST', '/api/images/v.img/uploads', { dn: BOB, headers: { 'tus-resumable': '0.2.2', 'upload-length': '5' } });
    assert.equal(answer.statusCode, 412);
    assert.equal(errorOf(answer).code, 'TUS_VERSION_UNSUPPORTED');
    assert.equal(answer.headers['tus-version'], '1.0.0');
    assert.equal(answer.headers['tus-resumable'], '1.0.0');
    const missing = await head('/api/uploads/0123456789abcdef0123456789abcdef');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['tus-resumable'], '1.0.0');
    const anonymous = await t.request('HEAD', '/api/uploads/0123456789abcdef0123456789abcdef', { headers: TUS });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.headers['tus-resumable'], '1.0.0');
  });
});

describe('an upload in pieces', () => {
  test('POST, HEAD, PATCH, HEAD, PATCH: the image gets a new version with the bytes, digest and disk format; the upload is gone', async () => {
    await createImage(t, BOB, 'pieces.gz');
    await putBytes(t, BOB, '/api/images/raw/pieces.gz', 'the first version');
    const content = gzipSync(randomBytes(3 * 1024 * 1024));
    const path = await start('pieces.gz', content.length, { 'upload-metadata': `sha256 ${b64(sha256Hex(content))},filename ${b64('pieces.gz')}` });

    const first = await head(path);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['upload-offset'], '0');
    assert.equal(first.headers['upload-length'], String(content.length));
    assert.equal(first.headers['cache-control'], 'no-store');
    assert.match(first.headers['upload-metadata'] as string, /^sha256 /);
    assert.ok(Date.parse(first.headers['upload-expires'] as string) > Date.now() + 23 * HOUR_MS);

    const cut = 1_000_003;
    const appended = await patch(path, 0, content.subarray(0, cut));
    assert.equal(appended.statusCode, 204, appended.body);
    assert.equal(appended.headers['upload-offset'], String(cut));
    assert.equal((await head(path)).headers['upload-offset'], String(cut));
    assert.equal((await t.request('GET', '/api/images/raw/pieces.gz', { dn: BOB })).body, 'the first version', 'nothing visible before the last byte');

    const last = await patch(path, cut, content.subarray(cut));
    assert.equal(last.statusCode, 204, last.body);
    assert.equal(last.headers['upload-offset'], String(content.length));
    const image = (await t.request('GET', '/api/images/pieces.gz', { dn: BOB })).json() as Record<string, unknown>;
    assert.equal(image.version, 2);
    assert.equal(image.size, content.length);
    assert.deepEqual(image.checksum, { type: 'sha256', value: sha256Hex(content) });
    assert.equal(image.disk_format, 'gzip', 'the format probe saw the first bytes');
    assert.deepEqual((await t.request('GET', '/api/images/raw/pieces.gz', { dn: BOB })).rawPayload, content);
    assert.equal((await head(path)).statusCode, 404);
    assert.deepEqual((await storageFiles(t)).filter((file) => file.startsWith('uploads/') || file.startsWith('resumable/')), []);
  });

  test('a wrong content type is 415, a wrong offset 409, negative or non-numeric offsets 400; nothing is appended', async () => {
    await createImage(t, BOB, 'bad.img');
    const path = await start('bad.img', 10);
    await patch(path, 0, 'abc');
    const wrongType = await patch(path, 3, 'def', { 'content-type': 'application/octet-stream' });
    assert.equal(wrongType.statusCode, 415);
    assert.equal(errorOf(wrongType).code, 'UNSUPPORTED_MEDIA_TYPE');
    const wrongOffset = await patch(path, 1, 'def');
    assert.equal(wrongOffset.statusCode, 409);
    assert.equal(errorOf(wrongOffset).code, 'UPLOAD_OFFSET_MISMATCH');
    assert.match(errorOf(wrongOffset).message, /stands at 3 bytes/);
    for (const offset of ['-1', 'abc', '1e3', '']) {
      const answer = await patch(path, offset, 'def');
      assert.equal(answer.statusCode, 400, offset);
      assert.match(errorOf(answer).message, /Upload-Offset/);
    }
    assert.equal((await head(path)).headers['upload-offset'], '3');
  });

  test('a PATCH beyond Upload-Length is 413 before any byte; an offset past the end too', async () => {
    await createImage(t, BOB, 'long.img');
    const path = await start('long.img', 10);
    const over = await patch(path, 0, '0123456789X');
    assert.equal(over.statusCode, 413);
    assert.equal(errorOf(over).code, 'PAYLOAD_TOO_LARGE');
    assert.equal((await patch(path, 11, '')).statusCode, 413);
    assert.equal((await head(path)).headers['upload-offset'], '0');
  });

  test('Upload-Checksum: a wrong sha256 is 460 and the bytes are not kept; the right one is taken; another algorithm is 400', async () => {
    await createImage(t, BOB, 'sum.img');
    const path = await start('sum.img', 8);
    const digest = (text: string): string => createHash('sha256').update(text).digest('base64');
    const wrong = await patch(path, 0, 'abcd', { 'upload-checksum': `sha256 ${digest('abcX')}` });
    assert.equal(wrong.statusCode, 460);
    assert.equal(errorOf(wrong).code, 'PATCH_CHECKSUM_MISMATCH');
    assert.equal((await head(path)).headers['upload-offset'], '0');
    assert.equal((await patch(path, 0, 'abcd', { 'upload-checksum': `md5 ${digest('abcd')}` })).statusCode, 400);
    assert.equal((await patch(path, 0, 'abcd', { 'upload-checksum': `sha256 ${digest('abcd')}` })).statusCode, 204);
    assert.equal((await patch(path, 4, 'efgh', { 'upload-checksum': `sha256 ${digest('efgh')}` })).statusCode, 204);
    assert.equal((await t.request('GET', '/api/images/raw/sum.img', { dn: BOB })).body, 'abcdefgh');
  });

  test('Upload-Checksum as a trailer after a chunked body (checksum-trailer): a wrong one is 460, the right one lands', async () => {
    await createImage(t, BOB, 'trailer.img');
    const path = await start('trailer.img', 8);
    const { base } = await listen(t);
    const digest = (text: string): string => createHash('sha256').update(text).digest('base64');
    const send = (offset: number, body: string, sum: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(`${base}${path}`, {
          method: 'PATCH',
          headers: { ...PATCH, 'upload-offset': String(offset), trailer: 'Upload-Checksum', [TEST_DN_HEADER]: encodeURIComponent(BOB) },
        });
        request.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.write(body);
        request.addTrailers({ 'Upload-Checksum': `sha256 ${sum}` });
        request.end();
      });
    assert.equal(await send(0, 'abcd', digest('abcX')), 460);
    assert.equal((await head(path)).headers['upload-offset'], '0');
    assert.equal(await send(0, 'abcd', digest('abcd')), 204);
    assert.equal(await send(4, 'efgh', digest('efgh')), 204);
    assert.equal((await t.request('GET', '/api/images/raw/trailer.img', { dn: BOB })).body, 'abcdefgh');
  });

  test('a whole digest that does not match is 422 at the last byte: the image keeps its bytes, the upload is gone', async () => {
    await createImage(t, BOB, 'digest.img');
    await putBytes(t, BOB, '/api/images/raw/digest.img', 'kept');
    const path = await start('digest.img', 5, { 'upload-metadata': `sha256 ${b64(sha256Hex('other'))}` });
    const answer = await patch(path, 0, 'wrong');
    assert.equal(answer.statusCode, 422);
    assert.equal(errorOf(answer).code, 'CHECKSUM_MISMATCH');
    assert.equal((await t.request('GET', '/api/images/raw/digest.img', { dn: BOB })).body, 'kept');
    assert.equal((await head(path)).statusCode, 404);
  });

  test('DELETE cancels: the bytes go, HEAD and PATCH are 404', async () => {
    await createImage(t, BOB, 'cancel.img');
    const path = await start('cancel.img', 10);
    await patch(path, 0, '12345');
    const resumable = async () => (await storageFiles(t)).filter((file) => file.startsWith('resumable/'));
    const before = await resumable();
    assert.equal((await t.request('DELETE', path, { dn: BOB, headers: TUS })).statusCode, 204);
    assert.equal((await resumable()).length, before.length - 1);
    assert.equal((await head(path)).statusCode, 404);
    assert.equal((await patch(path, 5, '67890')).statusCode, 404);
  });
});

describe('refusals before any byte', () => {
  test('Upload-Length missing, non-numeric or negative is 400; over max_image_bytes 413; Upload-Metadata malformed 400', async () => {
    await createImage(t, BOB, 'len.img');
    const post = (headers: Record<string, string>) => t.request('POST', '/api/images/len.img/uploads', { dn: BOB, headers: { ...TUS, ...headers } });
    assert.equal((await post({})).statusCode, 400);
    assert.match(errorOf(await post({ 'upload-defer-length': '1' })).message, /Upload-Defer-Length is not supported/);
    assert.equal((await post({ 'upload-length': 'ten' })).statusCode, 400);
    assert.equal((await post({ 'upload-length': '-5' })).statusCode, 400);
    const big = await post({ 'upload-length': String(64 * 1024 * 1024 + 1) });
    assert.equal(big.statusCode, 413);
    assert.equal(errorOf(big).code, 'PAYLOAD_TOO_LARGE');
    assert.equal((await post({ 'upload-length': '5', 'upload-metadata': 'sha256 not-base64!' })).statusCode, 400);
    assert.equal((await post({ 'upload-length': '5', 'upload-metadata': `sha256 ${b64('not hex')}` })).statusCode, 400);
  });

  test("an Upload-Length over the owner's quota is 413 QUOTA_EXCEEDED, and no upload is created", async () => {
    const quota = await t.request('PATCH', '/api/users/pam', { dn: '/DC=org/DC=repoman-test/OU=People/CN=Ada Admin', json: { quota_bytes: 1000 } });
    if (quota.statusCode !== 200) await t.metadata.users.update((await t.metadata.users.findByName('pam'))!.id, { quotaBytes: 1000 });
    await createImage(t, PAM, 'small.img');
    const answer = await t.request('POST', '/api/images/small.img/uploads', { dn: PAM, headers: { ...TUS, 'upload-length': '1001' } });
    assert.equal(answer.statusCode, 413);
    assert.equal(errorOf(answer).code, 'QUOTA_EXCEEDED');
    assert.equal((await t.request('POST', '/api/images/small.img/uploads', { dn: PAM, headers: { ...TUS, 'upload-length': '1000' } })).statusCode, 201);
  });

  test("someone else's upload is 404 on HEAD, PATCH and DELETE, as an upload that does not exist; it stays intact", async () => {
    await createImage(t, BOB, 'mine.img', { unauthenticated_access: true });
    const path = await start('mine.img', 6);
    await patch(path, 0, 'abc');
    const none = '/api/uploads/ffffffffffffffffffffffffffffffff';
    for (const [method, url] of [['HEAD', path], ['DELETE', path], ['DELETE', none]] as const) {
      const answer = await t.request(method, url, { dn: PAM, headers: TUS });
      assert.equal(answer.statusCode, 404, `${method} ${url}`);
    }
    const theirs = await patch(path, 3, 'def', {}, PAM);
    const nobodys = await patch(none, 3, 'def', {}, PAM);
    assert.equal(theirs.statusCode, 404);
    assert.equal(errorOf(theirs).message.replace(/[0-9a-f]{32}/, 'ID'), errorOf(nobodys).message.replace(/[0-9a-f]{32}/, 'ID'));
    assert.equal((await head(path)).headers['upload-offset'], '3');
    assert.equal((await patch(path, 3, 'def')).statusCode, 204);
  });
});

test('two PATCHes racing at one offset: one wins, the other is 409, the bytes are intact', async () => {
  await createImage(t, BOB, 'race.img');
  const content = randomBytes(200_000);
  const path = await start('race.img', content.length);
  const slow = new PassThrough();
  const first = t.app.inject({
    method: 'PATCH',
    url: path,
    headers: { ...PATCH, 'upload-offset': '0', 'content-length': String(content.length), 'x-test-dn': encodeURIComponent(BOB) },
    payload: slow,
  });
  slow.write(content.subarray(0, 100_000));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const second = await patch(path, 0, Buffer.alloc(content.length, 0x55));
  assert.equal(second.statusCode, 409);
  assert.equal(errorOf(second).code, 'UPLOAD_OFFSET_MISMATCH');
  slow.end(content.subarray(100_000));
  assert.equal((await first).statusCode, 204);
  assert.deepEqual((await t.request('GET', '/api/images/raw/race.img', { dn: BOB })).rawPayload, content);
});

test('the sweeper removes stored uploads no row names (a server killed before writing the row) once older than upload_expiry + 1 h; a live one stays', async () => {
  await createImage(t, BOB, 'live.img');
  const live = await start('live.img', 10);
  await patch(live, 0, 'abc');
  const row = await t.metadata.uploads.find(live.split('/').at(-1)!);
  assert.ok(row !== undefined);
  const orphan = await t.blobs.createResumable();
  await orphan.append(0, sourceOf('no row names me'));
  const recent = await t.blobs.createResumable();
  const resumableDir = join(t.config.storage.path, 'resumable');
  // Unwritten for 26 h: the live upload is kept by its row only (its own expiry is not due).
  const longAgo = new Date(Date.now() - 26 * HOUR_MS);
  for (const handle of [row.storageHandle, orphan.handle]) await utimes(join(resumableDir, handle), longAgo, longAgo);
  const sweeper = createBlobSweeper(t.metadata.images, t.blobs, { resumable: t.metadata.uploads });
  assert.equal((await sweeper.sweep()).orphans, 1);
  const left = await readdir(resumableDir);
  assert.ok(!left.includes(orphan.handle), 'the orphan is gone');
  assert.ok(left.includes(row.storageHandle) && left.includes(recent.handle), 'the live upload and a recent one stay');
  assert.equal((await head(live)).headers['upload-offset'], '3');
  assert.equal((await patch(live, 3, 'defghij')).statusCode, 204);
  assert.equal((await t.request('GET', '/api/images/raw/live.img', { dn: BOB })).body, 'abcdefghij');
  await recent.cancel();
});

test('the sweeper removes expired uploads with their bytes and never an unexpired one', async () => {
  await createImage(t, BOB, 'old.img');
  const old = await start('old.img', 10);
  await patch(old, 0, 'abc');
  const files = async () => (await storageFiles(t)).filter((file) => file.startsWith('resumable/'));
  const before = (await files()).length;
  const sweeperAt = (offsetMs: number) => createBlobSweeper(t.metadata.images, t.blobs, { resumable: t.metadata.uploads, now: () => Date.now() + offsetMs });
  assert.equal((await sweeperAt(23 * HOUR_MS).sweep()).expired, 0, 'not yet expired: kept');
  assert.equal((await head(old)).headers['upload-offset'], '3');
  const { expired } = await sweeperAt(25 * HOUR_MS).sweep();
  assert.ok(expired >= 1);
  assert.equal((await head(old)).statusCode, 404);
  assert.ok((await files()).length <= before - 1);
});
