// Caching and conditional requests of the JSON API (issue 19 item 5, RFC 9110 §13): private
// caching with a strong ETag on every caller-dependent GET, 304 on If-None-Match, 412 on a
// stale If-Match / If-Unmodified-Since — for GET, and for PATCH, PUT, DELETE of images, users
// and groups, so that two admins editing one image do not overwrite each other — and the
// challenge every 401 carries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createImage, createWithBytes, putBytes } from './helpers/image-helpers.js';
import { ADMIN_DN, createTestApp, type TestApp } from './helpers/test-app.js';

const ADA = ADMIN_DN;
const GRACE = '/DC=org/DC=repoman-test/OU=People/CN=Grace Admin';
const BOB = '/DC=org/DC=repoman-test/OU=People/CN=Bob';

/** The same store, each of its methods answering `ms` later. */
function delayed<T extends object>(store: T, ms: number): T {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('conditional requests and caching of the JSON API', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp();
    await t.addUser('grace', GRACE, ['admins']);
    await t.addUser('bob', BOB);
    await createImage(t, BOB, 'shared.img', { description: 'first' });
  });
  after(async () => t?.close());

  const get = (url: string, dn: string | undefined, headers: Record<string, string> = {}) => t.request('GET', url, { dn, headers });
  const errorCode = (answer: { json: () => unknown }): string => (answer.json() as { error: { code: string } }).error.code;

  it('answers a caller-dependent GET with a strong ETag and Cache-Control: private, no-cache; 304 on If-None-Match', async () => {
    for (const url of ['/api/whoami', '/api/images/bob/shared.img', '/api/images', '/api/users', '/api/users/bob', '/api/groups', '/api/groups/users', '/api/permissions']) {
      const first = await get(url, ADA);
      assert.equal(first.statusCode, 200, `${url}: ${first.body}`);
      const etag = first.headers.etag;
      assert.match(String(etag), /^"[A-Za-z0-9_-]{27}"$/, `${url}: a strong ETag`);
      assert.equal(first.headers['cache-control'], 'private, no-cache', url);
      for (const condition of [etag, `"other", W/${etag}`, '*']) {
        const again = await get(url, ADA, { 'if-none-match': String(condition) });
        assert.equal(again.statusCode, 304, `${url} If-None-Match: ${condition}`);
        assert.equal(again.body, '');
        assert.equal(again.headers.etag, etag);
        assert.equal(again.headers['cache-control'], 'private, no-cache');
        assert.equal(again.headers['content-type'], undefined);
      }
      const head = await t.request('HEAD', url, { dn: ADA });
      assert.equal(head.headers.etag, etag, `${url}: HEAD has GET's ETag`);
      const headAgain = await t.request('HEAD', url, { dn: ADA, headers: { 'if-none-match': String(etag) } });
      assert.equal(headAgain.statusCode, 304, `${url}: HEAD revalidates too`);
      assert.equal(headAgain.body, '');
      assert.equal((await get(url, ADA, { 'if-none-match': '"stale"' })).statusCode, 200, url);
    }
  });

  it('gives another ETag when the answer changes: after a change, and for another caller', async () => {
    const before = await get('/api/images', ADA);
    await createImage(t, BOB, 'another.img');
    const changed = await get('/api/images', ADA, { 'if-none-match': String(before.headers.etag) });
    assert.equal(changed.statusCode, 200);
    assert.notEqual(changed.headers.etag, before.headers.etag);
    const bobs = await get('/api/whoami', BOB);
    assert.notEqual(bobs.headers.etag, (await get('/api/whoami', ADA)).headers.etag);
  });

  it('two admins editing one image: the second PATCH with the ETag it read gets 412 and changes nothing', async () => {
    const url = '/api/images/bob/shared.img';
    const readByAda = await get(url, ADA);
    const readByGrace = await get(url, GRACE);
    assert.equal(readByAda.headers.etag, readByGrace.headers.etag, 'both admins read the same representation');

    const adas = await t.request('PATCH', url, { dn: ADA, json: { description: 'by ada' }, headers: { 'if-match': String(readByAda.headers.etag) } });
    assert.equal(adas.statusCode, 200, adas.body);
    const graces = await t.request('PATCH', url, { dn: GRACE, json: { description: 'by grace' }, headers: { 'if-match': String(readByGrace.headers.etag) } });
    assert.equal(graces.statusCode, 412, graces.body);
    assert.equal(errorCode(graces), 'PRECONDITION_FAILED');
    assert.match((graces.json() as { error: { message: string } }).error.message, /read it again/);
    assert.equal(graces.headers['cache-control'], 'no-store');
    assert.equal(((await get(url, GRACE)).json() as { description: string }).description, 'by ada', "Ada's change stands");

    const reread = await get(url, GRACE);
    const retried = await t.request('POST', url, { dn: GRACE, json: { description: 'by grace' }, headers: { 'if-match': String(reread.headers.etag) } });
    assert.equal(retried.statusCode, 200, 'the POST synonym of PATCH is conditional too, and passes with the fresh ETag');
    assert.equal((retried.json() as { description: string }).description, 'by grace');
  });

  it('lets only one of concurrent PATCHes with the same If-Match through, however slow the database', async () => {
    // Every image-store call takes 20 ms, so that unserialized check-then-change would interleave.
    const slow = await createTestApp({ wrapMetadata: (stores) => ({ ...stores, images: delayed(stores.images, 20) }) });
    try {
      await slow.addUser('bob', BOB);
      await createImage(slow, BOB, 'contested.img');
      const url = '/api/images/bob/contested.img';
      const etag = String((await slow.request('GET', url, { dn: ADA })).headers.etag);
      const answers = await Promise.all(
        ['one', 'two', 'three'].map((description) => slow.request('PATCH', url, { dn: ADA, json: { description }, headers: { 'if-match': etag } })),
      );
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 412, 412]);
    } finally {
      await slow.close();
    }
  });

  it('DELETE with a stale If-Match is refused and deletes nothing; with the current one it deletes', async () => {
    const created = await t.request('POST', '/api/groups', { dn: ADA, json: { name: 'physics' } });
    assert.equal(created.statusCode, 201, created.body);
    const etag = String((await get('/api/groups/physics', ADA)).headers.etag);
    await t.request('PUT', '/api/groups/physics/users/bob', { dn: ADA });
    const stale = await t.request('DELETE', '/api/groups/physics', { dn: ADA, headers: { 'if-match': etag } });
    assert.equal(stale.statusCode, 412, 'a new member changed the group');
    assert.equal((await get('/api/groups/physics', ADA)).statusCode, 200, 'the group is still there');
    const fresh = String((await get('/api/groups/physics', ADA)).headers.etag);
    assert.equal((await t.request('DELETE', '/api/groups/physics', { dn: ADA, headers: { 'if-match': fresh } })).statusCode, 204);
  });

  it('If-Unmodified-Since on a write compares with the record\'s modified time', async () => {
    const modified = new Date(((await get('/api/users/bob', ADA)).json() as { modified: string }).modified);
    const earlier = new Date(modified.getTime() - 5_000).toUTCString();
    const stale = await t.request('PATCH', '/api/users/bob', { dn: ADA, json: { full_name: 'Bob Stale' }, headers: { 'if-unmodified-since': earlier } });
    assert.equal(stale.statusCode, 412, stale.body);
    assert.notEqual(((await get('/api/users/bob', ADA)).json() as { full_name: string }).full_name, 'Bob Stale');
    const later = new Date(modified.getTime() + 5_000).toUTCString();
    const fresh = await t.request('PATCH', '/api/users/bob', { dn: ADA, json: { full_name: 'Bob Fresh' }, headers: { 'if-unmodified-since': later } });
    assert.equal(fresh.statusCode, 200, fresh.body);
    const ignored = await t.request('PATCH', '/api/users/bob', { dn: ADA, json: { full_name: 'Bob' }, headers: { 'if-unmodified-since': earlier, 'if-match': '*' } });
    assert.equal(ignored.statusCode, 200, 'If-Match takes precedence over If-Unmodified-Since');
  });

  it('a write with If-None-Match: * (create only) is refused on an existing resource', async () => {
    const answer = await t.request('PATCH', '/api/users/bob', { dn: ADA, json: { email: 'bob@example.org' }, headers: { 'if-none-match': '*' } });
    assert.equal(answer.statusCode, 412, answer.body);
  });

  it('GET: a false If-Match is 412 and beats a true If-None-Match (RFC 9110 §13.2.2); a true one answers', async () => {
    const etag = String((await get('/api/users/bob', ADA)).headers.etag);
    const refused = await get('/api/users/bob', ADA, { 'if-match': '"stale"', 'if-none-match': etag });
    assert.equal(refused.statusCode, 412, refused.body);
    assert.equal(errorCode(refused), 'PRECONDITION_FAILED');
    assert.equal((await get('/api/users/bob', ADA, { 'if-match': etag })).statusCode, 200);
    assert.equal((await get('/api/users/bob', ADA, { 'if-match': `W/${etag}` })).statusCode, 412, 'If-Match compares strongly');
  });

  it('raw downloads: If-Match and If-Unmodified-Since are judged on the sha256 ETag and the upload time', async () => {
    await createWithBytes(t, BOB, 'bob', 'disk.img', 'some bytes');
    const url = '/api/images/raw/bob/disk.img';
    const current = await get(url, BOB);
    const etag = String(current.headers.etag);
    assert.equal((await get(url, BOB, { 'if-match': etag })).statusCode, 200);
    const stale = await get(url, BOB, { 'if-match': '"0000"' });
    assert.equal(stale.statusCode, 412);
    assert.equal(errorCode(stale), 'PRECONDITION_FAILED');
    const uploaded = Date.parse(String(current.headers['last-modified']));
    assert.equal((await get(url, BOB, { 'if-unmodified-since': new Date(uploaded - 60_000).toUTCString() })).statusCode, 412);
    assert.equal((await get(url, BOB, { 'if-unmodified-since': new Date(uploaded + 60_000).toUTCString() })).statusCode, 200);
  });

  it('raw uploads: a stale If-Match is 412 before any byte is stored; If-None-Match: * uploads into an empty slot only', async () => {
    await createImage(t, BOB, 'slot.img');
    const url = '/api/images/raw/bob/slot.img';
    const first = await putBytes(t, BOB, url, 'version one', { 'if-none-match': '*' });
    assert.equal(first.statusCode, 200, first.body);
    const again = await putBytes(t, BOB, url, 'version two', { 'if-none-match': '*' });
    assert.equal(again.statusCode, 412, 'the slot has bytes now');
    const etag = String((await t.request('HEAD', url, { dn: BOB })).headers.etag);
    const stale = await putBytes(t, BOB, url, 'version two', { 'if-match': '"0000"' });
    assert.equal(stale.statusCode, 412, stale.body);
    assert.equal(errorCode(stale), 'PRECONDITION_FAILED');
    assert.equal((await get(url, BOB)).body, 'version one', 'nothing was uploaded');
    const fresh = await putBytes(t, BOB, url, 'version two', { 'if-match': etag });
    assert.equal(fresh.statusCode, 200, fresh.body);
    assert.equal((await get(url, BOB)).body, 'version two');
  });

  it('answers writes and errors with Cache-Control: no-store', async () => {
    const missing = await get('/api/users/nobody', ADA);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['cache-control'], 'no-store');
    assert.equal(missing.headers.etag, undefined);
    const created = await t.request('POST', '/api/images', { dn: BOB, json: { name: 'fresh.img' } });
    assert.equal(created.headers['cache-control'], 'no-store');
  });

  it('a 401 carries WWW-Authenticate naming the certificate scheme', async () => {
    const anonymous = await get('/api/whoami', undefined);
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.headers['www-authenticate'], 'Certificate realm="repoman"');
    const unknown = await get('/api/users', '/DC=org/DC=elsewhere/CN=Nobody');
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.headers['www-authenticate'], 'Certificate realm="repoman"');
    assert.equal((await get('/api/users/nobody', ADA)).headers['www-authenticate'], undefined, 'only 401s');
  });
});
