/**
 * Download links in-process (SPEC §3 "Download links"): the owner (or anyone who may modify the
 * image) makes a link whose URL holds a 256-bit token shown once and stored only as its
 * sha256; anyone holding the URL downloads without a certificate, also over plain HTTP, with
 * the raw URL's headers, ranges and conditional requests and `Cache-Control: private,
 * no-store`; downloads are counted (row and metrics); listing never shows a token; a revoked,
 * expired, unknown or malformed token, or one whose image is gone, emptied of its pinned
 * version or expired, answers the same 404; bad `expires_in` and `version` are 400 naming the
 * limit, and store nothing; the token never reaches the request log.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../src/http/build-app.js';
import { createImage, createWithBytes, putBytes, sha256Hex } from './helpers/image-helpers.js';
import { createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';
const EVE = '/O=Grid/CN=Eve';
const MAX = 2592000;

interface Made {
  id: string;
  url: string;
  expires: string;
  version: number | null;
}

describe('download links', () => {
  let t: TestApp;
  const content = randomBytes(50_000);
  const newer = randomBytes(30_000);

  const make = async (image: string, json: Record<string, unknown> = {}, dn = BOB): Promise<Made> => {
    const response = await t.request('POST', `/api/images/${image}/links`, { dn, json });
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  };
  const pathOf = (made: Made): string => new URL(made.url).pathname;
  const linkRows = () => t.metadata.db.selectFrom('download_links').selectAll().execute();

  before(async () => {
    t = await createTestApp();
    await t.addUser('bob', BOB);
    await t.addUser('pam', PAM);
    await t.addUser('eve', EVE);
    await createWithBytes(t, BOB, 'bob', 'disk.img', content);
    assert.equal((await t.request('PUT', '/api/images/disk.img/share/user/pam', { dn: BOB })).statusCode, 200);
  });
  after(() => t.close());

  test('a new link: 201 with an absolute https URL holding a 43-character token, stored only as its sha256', async () => {
    const before = Date.now();
    const made = await make('disk.img', { expires_in: 3600 });
    const url = new URL(made.url);
    assert.equal(url.protocol, 'https:');
    const token = url.pathname.split('/').at(-1) ?? '';
    assert.match(url.pathname, /^\/api\/links\/[A-Za-z0-9_-]{43}$/);
    assert.equal(made.version, null);
    const expires = Date.parse(made.expires);
    assert.ok(expires >= before + 3600_000 && expires <= Date.now() + 3600_000, made.expires);
    const rows = await linkRows();
    const row = rows.find((r) => r.id === made.id);
    assert.equal(row?.token_hash, sha256Hex(token));
    assert.ok(!JSON.stringify(rows).includes(token), 'the token itself is stored nowhere');
  });

  test('anyone holding the URL downloads the bytes without a certificate, with the raw URL\'s headers and no-store', async () => {
    const made = await make('disk.img');
    const response = await t.request('GET', pathOf(made));
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.rawPayload, content);
    const raw = await t.request('GET', '/api/images/raw/disk.img', { dn: BOB });
    for (const name of ['etag', 'last-modified', 'repr-digest', 'accept-ranges', 'content-length', 'content-disposition', 'content-type']) {
      assert.equal(response.headers[name], raw.headers[name], name);
    }
    assert.equal(response.headers['cache-control'], 'private, no-store');

    const head = await t.request('HEAD', pathOf(made));
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-length'], String(content.length));
    assert.equal(head.rawPayload.length, 0);
  });

  test('ranges (206, 416), If-Range and If-None-Match (304) behave as on the raw URL', async () => {
    const path = pathOf(await make('disk.img'));
    const etag = `"${sha256Hex(content)}"`;
    const part = await t.request('GET', path, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.statusCode, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${content.length}`);
    assert.deepEqual(part.rawPayload, content.subarray(100, 200));
    const beyond = await t.request('GET', path, { headers: { range: `bytes=${content.length}-` } });
    assert.equal(beyond.statusCode, 416);
    assert.equal(beyond.headers['content-range'], `bytes */${content.length}`);
    const stale = await t.request('GET', path, { headers: { range: 'bytes=0-9', 'if-range': '"0000"' } });
    assert.equal(stale.statusCode, 200);
    assert.equal(stale.rawPayload.length, content.length);
    const same = await t.request('GET', path, { headers: { 'if-none-match': etag } });
    assert.equal(same.statusCode, 304);
  });

  test('a GET from the first byte counts one download, in the listing and the metrics; later ranges and HEADs do not', async () => {
    const metric = async (): Promise<number> => {
      const text = (await t.request('GET', '/metrics')).body;
      return Number(/^repoman_link_downloads_total (\d+)/m.exec(text)?.[1]);
    };
    const start = await metric();
    const made = await make('disk.img');
    const path = pathOf(made);
    await t.request('GET', path);
    await t.request('GET', path, { headers: { range: 'bytes=0-9' } });
    await t.request('GET', path, { headers: { range: 'bytes=10-19' } });
    await t.request('HEAD', path);
    const listed = (await t.request('GET', '/api/images/disk.img/links', { dn: BOB })).json() as { id: string; downloads: number }[];
    assert.equal(listed.find((link) => link.id === made.id)?.downloads, 2);
    assert.equal(await metric(), start + 2);
  });

  test('the listing shows id, expires, version, created, created_by and downloads of live links, newest first, never a token', async () => {
    const made = await make('disk.img', { expires_in: 60 });
    const response = await t.request('GET', '/api/images/bob/disk.img/links', { dn: BOB });
    assert.equal(response.statusCode, 200);
    const listed = response.json() as Record<string, unknown>[];
    assert.deepEqual(Object.keys(listed[0] ?? {}).sort(), ['created', 'created_by', 'downloads', 'expires', 'id', 'version']);
    assert.equal(listed[0]?.id, made.id);
    assert.equal(listed[0]?.created_by, 'bob');
    assert.ok(!response.body.includes(pathOf(made).split('/').at(-1) ?? ''), 'no token in the listing');
  });

  test('revoked, expired, unknown and malformed tokens all answer the very same 404', async () => {
    const revoked = await make('disk.img');
    assert.equal((await t.request('DELETE', `/api/images/disk.img/links/${revoked.id}`, { dn: BOB })).statusCode, 204);
    const expired = await make('disk.img');
    await t.metadata.db.updateTable('download_links').set({ expires: new Date(Date.now() - 1000).toISOString() }).where('id', '=', expired.id).execute();
    const unknown = `/api/links/${randomBytes(32).toString('base64url')}`;
    const answers = [];
    for (const path of [pathOf(revoked), pathOf(expired), unknown, '/api/links/short', `/api/links/${'%2e'.repeat(50)}`, `/api/links/${'a'.repeat(300)}`, '/api/links/a%2Fb']) {
      for (const method of ['GET', 'HEAD']) {
        const response = await t.request(method, path);
        assert.equal(response.statusCode, 404, `${method} ${path}`);
        answers.push(method === 'GET' ? response.body : String(response.headers['content-length']));
      }
    }
    assert.equal(new Set(answers.filter((_, i) => i % 2 === 0)).size, 1, 'one body for every failure');
    assert.equal(errorOf(await t.request('GET', unknown)).code, 'LINK_NOT_FOUND');
    const listed = (await t.request('GET', '/api/images/disk.img/links', { dn: BOB })).json() as { id: string }[];
    assert.ok(!listed.some((link) => link.id === revoked.id || link.id === expired.id), 'only live links are listed');
  });

  test('revoking: a second time, an unknown id, or a link of another image through this one: 404 LINK_NOT_FOUND', async () => {
    await createWithBytes(t, BOB, 'bob', 'other.img', 'other bytes');
    const made = await make('disk.img');
    const viaOther = await t.request('DELETE', `/api/images/other.img/links/${made.id}`, { dn: BOB });
    assert.equal(viaOther.statusCode, 404);
    assert.equal(errorOf(viaOther).code, 'LINK_NOT_FOUND');
    assert.equal((await t.request('GET', pathOf(made))).statusCode, 200, 'the link still works');
    assert.equal((await t.request('DELETE', `/api/images/disk.img/links/${made.id}`, { dn: BOB })).statusCode, 204);
    assert.equal(errorOf(await t.request('DELETE', `/api/images/disk.img/links/${made.id}`, { dn: BOB })).code, 'LINK_NOT_FOUND');
    assert.equal(errorOf(await t.request('DELETE', '/api/images/disk.img/links/nope', { dn: BOB })).code, 'LINK_NOT_FOUND');
  });

  test('a link follows the current content; a pinned one serves its version while it is kept', async () => {
    await createWithBytes(t, BOB, 'bob', 'moving.img', content);
    const followed = await make('moving.img');
    const pinned = await make('moving.img', { version: 1 });
    assert.equal(pinned.version, 1);
    assert.deepEqual((await t.request('GET', pathOf(pinned))).rawPayload, content);
    assert.equal((await putBytes(t, BOB, '/api/images/raw/moving.img', newer)).statusCode, 200);
    assert.deepEqual((await t.request('GET', pathOf(followed))).rawPayload, newer);
    assert.deepEqual((await t.request('GET', pathOf(pinned))).rawPayload, content, 'version 1 is still kept');
    const later = await make('moving.img', { version: 1 });
    assert.deepEqual((await t.request('GET', pathOf(later))).rawPayload, content, 'an older kept version can be pinned');
    const missing = await t.request('POST', '/api/images/moving.img/links', { dn: BOB, json: { version: 99 } });
    assert.equal(missing.statusCode, 404);
    assert.equal(errorOf(missing).code, 'VERSION_NOT_FOUND');
    assert.equal((await t.request('DELETE', '/api/images/moving.img/versions/1', { dn: BOB })).statusCode, 204);
    assert.equal(errorOf(await t.request('GET', pathOf(pinned))).code, 'LINK_NOT_FOUND', 'a dropped version is the same 404');
    assert.deepEqual((await t.request('GET', pathOf(followed))).rawPayload, newer);
  });

  test('deleting the image, letting it expire, or a slot without bytes answers the same 404', async () => {
    await createWithBytes(t, BOB, 'bob', 'gone.img', content);
    const gone = await make('gone.img');
    await createWithBytes(t, BOB, 'bob', 'old.img', content);
    const old = await make('old.img');
    assert.equal((await t.request('DELETE', '/api/images/gone.img', { dn: BOB })).statusCode, 204);
    assert.equal((await t.request('PATCH', '/api/images/old.img', { dn: BOB, json: { expires: '2001-01-01' } })).statusCode, 200);
    for (const made of [gone, old]) assert.equal(errorOf(await t.request('GET', pathOf(made))).code, 'LINK_NOT_FOUND');
    assert.ok(!(await linkRows()).some((row) => row.id === gone.id), "a deleted image's links go with it");
    await createImage(t, BOB, 'slot.img');
    const slot = await make('slot.img');
    assert.equal(errorOf(await t.request('GET', pathOf(slot))).code, 'LINK_NOT_FOUND', 'a slot without bytes');
  });

  test('only those who may modify the image manage its links: shared 403, others 404, anonymous 401', async () => {
    for (const [method, path] of [['POST', '/api/images/bob/disk.img/links'], ['GET', '/api/images/bob/disk.img/links'], ['DELETE', '/api/images/bob/disk.img/links/x']] as const) {
      assert.equal((await t.request(method, path, { dn: PAM, ...(method === 'POST' && { json: {} }) })).statusCode, 403, `pam ${method}`);
      const eve = await t.request(method, path, { dn: EVE, ...(method === 'POST' && { json: {} }) });
      assert.equal(errorOf(eve).code, 'IMAGE_NOT_FOUND', `eve ${method}`);
      assert.equal((await t.request(method, path, method === 'POST' ? { json: {} } : {})).statusCode, 401, `anonymous ${method}`);
    }
    const admin = await t.request('POST', '/api/images/bob/disk.img/links', { dn: '/DC=org/DC=repoman-test/OU=People/CN=Ada Admin', json: {} });
    assert.equal(admin.statusCode, 201);
  });

  test('bad expires_in (≤ 0, too long, not whole, not a number) and version: 400 naming the limit; nothing stored', async () => {
    const before = (await linkRows()).length;
    for (const expires_in of [0, -5, MAX + 1, 1.5, 'abc', '3600', null, true]) {
      const response = await t.request('POST', '/api/images/disk.img/links', { dn: BOB, json: { expires_in } });
      assert.equal(response.statusCode, 400, `${JSON.stringify(expires_in)}: ${response.body}`);
      assert.match(errorOf(response).message, new RegExp(`expires_in must be a whole number of seconds from 1 to ${MAX}`), JSON.stringify(expires_in));
    }
    const form = await t.request('POST', '/api/images/disk.img/links', { dn: BOB, form: { expires_in: '-5' } });
    assert.equal(form.statusCode, 400, form.body);
    assert.match(errorOf(form).message, new RegExp(`from 1 to ${MAX}`));
    const unknownField = await t.request('POST', '/api/images/disk.img/links', { dn: BOB, json: { expires: 5, expires_in: 0 } });
    assert.equal(errorOf(unknownField).code, 'UNKNOWN_FIELD');
    for (const version of [0, 'one', -1]) {
      const response = await t.request('POST', '/api/images/disk.img/links', { dn: BOB, json: { version } });
      assert.equal(response.statusCode, 400, `${JSON.stringify(version)}: ${response.body}`);
    }
    assert.equal(errorOf(await t.request('POST', '/api/images/disk.img/links', { dn: BOB, payload: '{', headers: { 'content-type': 'application/json' } })).code, 'MALFORMED_BODY');
    assert.equal((await linkRows()).length, before);
    const longest = await make('disk.img', { expires_in: MAX });
    assert.ok(Date.parse(longest.expires) > Date.now() + (MAX - 60) * 1000);
  });

  test('the default lifetime is 7 days, and [limits] max_link_seconds lowers the maximum', async () => {
    const made = await make('disk.img');
    assert.ok(Math.abs(Date.parse(made.expires) - Date.now() - 7 * 86400_000) < 60_000, made.expires);
    const small = await createTestApp({ env: { REPOMAN_LIMITS_MAX_LINK_SECONDS: '600' } });
    try {
      await small.addUser('bob', BOB);
      await createImage(small, BOB, 'x.img');
      const capped = await small.request('POST', '/api/images/x.img/links', { dn: BOB, json: {} });
      assert.ok(Math.abs(Date.parse((capped.json() as Made).expires) - Date.now() - 600_000) < 60_000);
      const over = await small.request('POST', '/api/images/x.img/links', { dn: BOB, json: { expires_in: 601 } });
      assert.match(errorOf(over).message, /from 1 to 600 /);
    } finally {
      await small.close();
    }
  });

  test('the plain-HTTP listener serves links too', async () => {
    const made = await make('disk.img');
    const plain = buildApp({ config: t.config, metadata: t.metadata, blobs: t.blobs, logDestination: { write: () => true }, identify: async () => null, plainHttp: true });
    try {
      const response = await plain.inject({ method: 'GET', url: pathOf(made) });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.rawPayload, content);
    } finally {
      await plain.close();
    }
  });

  test('no token reaches the request log', async () => {
    const made = await make('disk.img');
    await t.request('GET', pathOf(made));
    await t.request('GET', `${pathOf(made)}?x=1`);
    const token = pathOf(made).split('/').at(-1) ?? '';
    assert.ok(t.logs.some((line) => line.includes('"path":"/api/links/…"')));
    assert.ok(!t.logs.some((line) => line.includes(token)));
  });
});
