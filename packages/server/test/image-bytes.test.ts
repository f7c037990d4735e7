/**
 * Image bytes in-process: an upload is verified against the announced digest, in a header or
 * a trailer (422 and nothing changed on a mismatch), limited (413 before reading, and while reading a chunked body),
 * counted (version) and atomic (a failed upload leaves the previous bytes and no temporary
 * file); a download answers the SPEC's headers and honours Range, If-Range, If-None-Match and
 * If-Modified-Since, and keeps the bytes it started with when a new upload commits meanwhile.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../src/http/build-app.js';
import { resolveCaller, type Caller } from '../src/services/caller.js';
import { createImageTransferService } from '../src/services/image-transfer.js';
import { createImage, putBytes, reprDigest, sha256Hex, storageFiles } from './helpers/image-helpers.js';
import { createTestApp, dumpDatabase, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';

/** Bob as the services see him when called directly: resolved as a request of his would be. */
function bobCaller(t: TestApp): Promise<Caller> {
  return resolveCaller(t.metadata, { dn: BOB, limited: false }, { plainHttp: false });
}

describe('image bytes', () => {
  let t: TestApp;
  const content = randomBytes(100_000);

  before(async () => {
    t = await createTestApp();
    await t.addUser('bob', BOB);
    await createImage(t, BOB, 'disk.img');
  });
  after(() => t.close());

  test('transfers of big images are not cut by Node\'s default 300 s request timeout, also on a server from serverFactory', async () => {
    assert.equal(t.app.server.requestTimeout, 0);
    const app = buildApp({
      config: t.config, metadata: t.metadata, blobs: t.blobs, logDestination: { write: () => true },
      identify: async () => null, serverFactory: (handler) => createServer(handler),
    });
    try {
      assert.equal(app.server.requestTimeout, 0);
    } finally {
      await app.close();
    }
  });

  test('an empty slot downloads as 404 IMAGE_EMPTY, saying how to upload', async () => {
    const response = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB });
    assert.equal(response.statusCode, 404);
    assert.equal(errorOf(response).code, 'IMAGE_EMPTY');
    assert.match(errorOf(response).message, /PUT \/api\/images\/raw\/bob\/disk\.img/);
  });

  test('an upload announcing the right Repr-Digest stores the bytes and answers the record: size, checksum, version 1, ready', async () => {
    const response = await putBytes(t, BOB, '/api/images/raw/disk.img', content, { 'repr-digest': reprDigest(content) });
    assert.equal(response.statusCode, 200, response.body);
    const image = response.json();
    assert.equal(image.size, content.length);
    assert.deepEqual(image.checksum, { type: 'sha256', value: sha256Hex(content) });
    assert.equal(image.version, 1);
    assert.equal(image.status, 'ready');
    assert.ok(image.uploaded);
  });

  test('a download answers the bytes with Content-Length, ETag, Last-Modified, Repr-Digest, Accept-Ranges, Content-Disposition and Content-Type', async () => {
    const response = await t.request('GET', '/api/images/raw/bob/disk.img', { dn: BOB });
    assert.equal(response.statusCode, 200);
    assert.ok(response.rawPayload.equals(content));
    assert.equal(response.headers['content-length'], String(content.length));
    assert.equal(response.headers.etag, `"${sha256Hex(content)}"`);
    assert.equal(response.headers['repr-digest'], reprDigest(content));
    assert.equal(response.headers['accept-ranges'], 'bytes');
    assert.equal(response.headers['content-type'], 'application/octet-stream');
    assert.equal(response.headers['content-disposition'], 'attachment; filename="disk.img"');
    const image = (await t.request('GET', '/api/images/disk.img', { dn: BOB })).json();
    assert.equal(response.headers['last-modified'], new Date(image.uploaded).toUTCString());
  });

  test('HEAD answers the same headers and no body', async () => {
    const response = await t.request('HEAD', '/api/images/raw/disk.img', { dn: BOB });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-length'], String(content.length));
    assert.equal(response.headers.etag, `"${sha256Hex(content)}"`);
    assert.equal(response.rawPayload.length, 0);
  });

  test('a single Range answers 206 with Content-Range: closed, open and suffix ranges, an end past the last byte clamped', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, content.length - 1],
      ['bytes=-500', content.length - 500, content.length - 1],
      ['bytes=99990-200000', 99990, content.length - 1],
      ['bytes=-200000', 0, content.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB, headers: { range } });
      assert.equal(response.statusCode, 206, range);
      assert.equal(response.headers['content-range'], `bytes ${start}-${end}/${content.length}`, range);
      assert.equal(response.headers['content-length'], String(end - start + 1));
      assert.ok(response.rawPayload.equals(content.subarray(start, end + 1)), range);
    }
  });

  test('an unsatisfiable range is 416 with Content-Range: bytes */size; a list of ranges or another unit sends the whole image', async () => {
    for (const range of ['bytes=100000-', 'bytes=200000-300000', 'bytes=-0']) {
      const response = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB, headers: { range } });
      assert.equal(response.statusCode, 416, range);
      assert.equal(errorOf(response).code, 'RANGE_NOT_SATISFIABLE');
      assert.equal(response.headers['content-range'], `bytes */${content.length}`);
    }
    for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=5-1', 'bytes=x-']) {
      const response = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB, headers: { range } });
      assert.equal(response.statusCode, 200, range);
      assert.equal(response.rawPayload.length, content.length);
    }
  });

  test('If-None-Match with the ETag (or *) and If-Modified-Since at the upload time answer 304 without a body', async () => {
    const etag = `"${sha256Hex(content)}"`;
    const lastModified = (await t.request('HEAD', '/api/images/raw/disk.img', { dn: BOB })).headers['last-modified'] as string;
    const conditions: Record<string, string>[] = [{ 'if-none-match': etag }, { 'if-none-match': `"other", W/${etag}` }, { 'if-none-match': '*' }, { 'if-modified-since': lastModified }];
    for (const headers of conditions) {
      const response = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB, headers });
      assert.equal(response.statusCode, 304, JSON.stringify(headers));
      assert.equal(response.headers.etag, etag);
      assert.equal(response.rawPayload.length, 0);
    }
    const stale = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB, headers: { 'if-none-match': '"other"' } });
    assert.equal(stale.statusCode, 200);
    const old = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB, headers: { 'if-modified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' } });
    assert.equal(old.statusCode, 200);
  });

  test('If-Range with the current ETag or date keeps the range; a stale one sends the whole image (200)', async () => {
    const head = await t.request('HEAD', '/api/images/raw/disk.img', { dn: BOB });
    for (const ifRange of [head.headers.etag as string, head.headers['last-modified'] as string]) {
      const response = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB, headers: { range: 'bytes=10-19', 'if-range': ifRange } });
      assert.equal(response.statusCode, 206, ifRange);
    }
    for (const ifRange of ['"0000"', `W/${head.headers.etag as string}`, 'Thu, 01 Jan 2015 00:00:00 GMT']) {
      const response = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB, headers: { range: 'bytes=10-19', 'if-range': ifRange } });
      assert.equal(response.statusCode, 200, ifRange);
      assert.equal(response.rawPayload.length, content.length);
    }
  });

  test('a digest mismatch (X-Checksum-Sha256 or Repr-Digest) is 422 CHECKSUM_MISMATCH and changes nothing', async () => {
    const database = await dumpDatabase(t.metadata);
    const files = await storageFiles(t);
    const other = randomBytes(5000);
    const digests: Record<string, string>[] = [{ 'x-checksum-sha256': sha256Hex('something else') }, { 'repr-digest': reprDigest('something else') }];
    for (const headers of digests) {
      const response = await putBytes(t, BOB, '/api/images/raw/disk.img', other, headers);
      assert.equal(response.statusCode, 422, response.body);
      assert.equal(errorOf(response).code, 'CHECKSUM_MISMATCH');
      assert.match(errorOf(response).message, new RegExp(sha256Hex(other)));
    }
    assert.deepEqual(await dumpDatabase(t.metadata), database);
    assert.deepEqual(await storageFiles(t), files);
    assert.ok((await t.request('GET', '/api/images/raw/disk.img', { dn: BOB })).rawPayload.equals(content));
  });

  test('X-Checksum-Sha256 that matches (any case) is accepted; every completed upload adds one to version', async () => {
    const next = Buffer.from('version two');
    const response = await putBytes(t, BOB, '/api/images/raw/disk.img', next, { 'x-checksum-sha256': sha256Hex(next).toUpperCase() });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().version, 2);
    assert.equal((await putBytes(t, BOB, '/api/images/raw/disk.img', next)).json().version, 3, 'identical bytes count too');
  });

  test('a chunked upload works', async () => {
    const chunks = [randomBytes(70_000), randomBytes(3), randomBytes(200_000)];
    const response = await t.app.inject({
      method: 'PUT',
      url: '/api/images/raw/disk.img',
      headers: { 'x-test-dn': encodeURIComponent(BOB), 'transfer-encoding': 'chunked', 'content-type': 'application/octet-stream' },
      payload: Readable.from(chunks),
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().checksum.value, sha256Hex(Buffer.concat(chunks)));
  });

  test('an upload without Content-Length or chunked encoding is 411 LENGTH_REQUIRED', async () => {
    const response = await t.request('PUT', '/api/images/raw/disk.img', { dn: BOB });
    assert.equal(response.statusCode, 411);
    assert.equal(errorOf(response).code, 'LENGTH_REQUIRED');
  });

  test('concurrent uploads to one image each count in version, and the image holds the bytes of one of them whole', async () => {
    const before = (await t.request('GET', '/api/images/disk.img', { dn: BOB })).json().version as number;
    const bodies = [randomBytes(300_000), randomBytes(300_000), randomBytes(300_000)];
    const responses = await Promise.all(bodies.map((body) => putBytes(t, BOB, '/api/images/raw/disk.img', body)));
    for (const response of responses) assert.equal(response.statusCode, 200, response.body);
    const image = (await t.request('GET', '/api/images/disk.img', { dn: BOB })).json();
    assert.equal(image.version, before + 3);
    const bytes = (await t.request('GET', '/api/images/raw/disk.img', { dn: BOB })).rawPayload;
    assert.ok(bodies.some((body) => body.equals(bytes)), 'the bytes of one upload, never a mix');
    assert.equal(image.checksum.value, sha256Hex(bytes));
  });

  test('an upload whose body fails midway leaves the previous bytes, the same version, and no temporary file', async () => {
    const transfer = createImageTransferService(t.metadata, t.blobs, { maxImageBytes: 0 });
    const before = (await t.request('GET', '/api/images/disk.img', { dn: BOB })).json();
    const files = await storageFiles(t);
    const source = new PassThrough();
    source.write(randomBytes(3 * 1024 * 1024));
    setTimeout(() => source.destroy(new Error('connection reset')), 20);
    const caller = await bobCaller(t);
    await assert.rejects(
      transfer.upload(caller, { name: 'disk.img' }, { source, length: 10 * 1024 * 1024, expectedSha256: undefined, signal: new AbortController().signal }),
      // The domain says the body was left unread; the HTTP edge answers it with Connection: close.
      (error: { code?: string; unreadBody?: boolean }) => error.code === 'BAD_REQUEST' && error.unreadBody === true,
    );
    assert.deepEqual((await t.request('GET', '/api/images/disk.img', { dn: BOB })).json(), before);
    assert.deepEqual(await storageFiles(t), files);
  });

  test('a chunked upload may announce its digest in a trailer: checked before the commit like a header', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const put = (body: Buffer, trailers: Record<string, string>, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'PUT', path: '/api/images/raw/disk.img',
          headers: { 'x-test-dn': encodeURIComponent(BOB), trailer: 'Repr-Digest', ...headers } });
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.write(body.subarray(0, 1000));
        req.write(body.subarray(1000));
        req.addTrailers(trailers);
        req.end();
      });
    const bytes = randomBytes(300_000);
    const good = await put(bytes, { 'repr-digest': reprDigest(bytes) });
    assert.equal(good.status, 200, good.body);
    assert.equal(JSON.parse(good.body).checksum.value, sha256Hex(bytes));
    const before = (await t.request('GET', '/api/images/disk.img', { dn: BOB })).json();
    const files = await storageFiles(t);
    const wrong = await put(randomBytes(300_000), { 'repr-digest': reprDigest(bytes) });
    assert.equal(wrong.status, 422, wrong.body);
    assert.equal(JSON.parse(wrong.body).error.code, 'CHECKSUM_MISMATCH');
    const other = randomBytes(1000);
    const disagreeing = await put(other, { 'x-checksum-sha256': sha256Hex(other) }, { 'repr-digest': reprDigest(bytes) });
    assert.equal(disagreeing.status, 400, disagreeing.body);
    const malformed = await put(other, { 'repr-digest': 'sha-256=:nope:' });
    assert.equal(malformed.status, 400, malformed.body);
    assert.match(JSON.parse(malformed.body).error.message, /repr-digest trailer/);
    assert.deepEqual((await t.request('GET', '/api/images/disk.img', { dn: BOB })).json(), before);
    assert.deepEqual(await storageFiles(t), files);
  });

  test('a download opened before a new upload commits yields the bytes it started with', async () => {
    const transfer = createImageTransferService(t.metadata, t.blobs, { maxImageBytes: 0 });
    const caller = await bobCaller(t);
    const first = randomBytes(4 * 1024 * 1024);
    await putBytes(t, BOB, '/api/images/raw/disk.img', first);
    const download = await transfer.prepareDownload(caller, { name: 'disk.img' });
    const stream = await transfer.openBytes(download);
    assert.equal((await putBytes(t, BOB, '/api/images/raw/disk.img', randomBytes(4 * 1024 * 1024))).statusCode, 200);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(first));
  });
});

describe('image size limit', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { REPOMAN_LIMITS_MAX_IMAGE_BYTES: '1000' } });
    await t.addUser('bob', BOB);
    await createImage(t, BOB, 'small.img');
    await putBytes(t, BOB, '/api/images/raw/small.img', 'previous');
  });
  after(() => t.close());

  test('exactly limits.max_image_bytes is accepted', async () => {
    assert.equal((await putBytes(t, BOB, '/api/images/raw/small.img', Buffer.alloc(1000, 1))).statusCode, 200);
    assert.equal((await putBytes(t, BOB, '/api/images/raw/small.img', 'previous')).statusCode, 200);
  });

  test('a Content-Length over limits.max_image_bytes is 413 before reading, with Connection: close, and nothing changes', async () => {
    const database = await dumpDatabase(t.metadata);
    const files = await storageFiles(t);
    const response = await putBytes(t, BOB, '/api/images/raw/small.img', Buffer.alloc(1001));
    assert.equal(response.statusCode, 413);
    assert.equal(errorOf(response).code, 'PAYLOAD_TOO_LARGE');
    assert.equal(response.headers.connection, 'close');
    assert.deepEqual(await dumpDatabase(t.metadata), database);
    assert.deepEqual(await storageFiles(t), files);
  });

  test('a chunked body over the limit is 413 once the limit is passed, and nothing changes', async () => {
    const database = await dumpDatabase(t.metadata);
    const files = await storageFiles(t);
    const response = await t.app.inject({
      method: 'PUT',
      url: '/api/images/raw/small.img',
      headers: { 'x-test-dn': encodeURIComponent(BOB), 'transfer-encoding': 'chunked' },
      payload: Readable.from([Buffer.alloc(600), Buffer.alloc(600)]),
    });
    assert.equal(response.statusCode, 413, response.body);
    assert.equal(response.headers.connection, 'close');
    assert.deepEqual(await dumpDatabase(t.metadata), database);
    assert.deepEqual(await storageFiles(t), files);
    assert.equal((await t.request('GET', '/api/images/raw/small.img', { dn: BOB })).body, 'previous');
  });
});
