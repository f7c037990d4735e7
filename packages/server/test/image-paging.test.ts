/**
 * Paging of image listings: 100 images per page by default (at most 1000), the total in
 * `X-Total-Count`, and `Link: <…>; rel="next"` carrying an opaque keyset `cursor` while more
 * follow; following the links lists every image exactly once, keeping the filters. `offset=`
 * still works for old clients. `/api/users/{u}/images` and `…/shared` page the same way.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_DN, createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
let t: TestApp;
/** Every image, as the listing orders them (byte order of owner, then name). */
const every: string[] = [];

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  for (const owner of ['admin', 'bob']) {
    const user = await t.metadata.users.findByName(owner);
    for (let i = 0; i < 125; i++) {
      const name = `${owner === 'bob' && i % 2 === 0 ? 'even' : 'img'}-${String(i).padStart(3, '0')}.img`;
      await t.metadata.images.create({ ownerId: user!.id, name, unauthenticatedAccess: owner === 'admin' });
      every.push(`${owner}/${name}`);
    }
  }
  every.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
});
after(() => t.close());

const namesOf = (response: LightMyRequestResponse): string[] =>
  (response.json() as { owner: string; name: string }[]).map((image) => `${image.owner}/${image.name}`);

/** The `rel="next"` target of a response, or undefined. */
function nextLink(response: LightMyRequestResponse): string | undefined {
  const link = response.headers.link;
  if (link === undefined) return undefined;
  const match = /^<https:\/\/localhost:80(\/[^>]+)>; rel="next"$/.exec(String(link));
  assert.ok(match, `a Link header of one next target on this server: ${String(link)}`);
  return match[1];
}

/** Follows the Link headers from `url`; the pages' names and their requests. */
async function follow(url: string, dn: string): Promise<{ pages: string[][]; urls: string[] }> {
  const pages: string[][] = [];
  const urls: string[] = [];
  for (let next: string | undefined = url; next !== undefined; ) {
    const response = await t.request('GET', next, { dn });
    assert.equal(response.statusCode, 200, response.body);
    urls.push(next);
    pages.push(namesOf(response));
    next = nextLink(response);
    assert.ok(pages.length < 100, 'the links end');
  }
  return { pages, urls };
}

test('GET /api/images answers 100 images by default, with the total and a Link to the next page', async () => {
  const response = await t.request('GET', '/api/images', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(namesOf(response), every.slice(0, 100));
  assert.equal(response.headers['x-total-count'], '250');
  assert.match(nextLink(response) ?? '', /^\/api\/images\?cursor=[A-Za-z0-9_-]+$/);
});

test('following Link lists every image exactly once, in order, and the last page has no Link', async () => {
  const { pages } = await follow('/api/images', ADMIN_DN);
  assert.deepEqual(pages.map((page) => page.length), [100, 100, 50]);
  assert.deepEqual(pages.flat(), every);
  const exact = await follow('/api/images?limit=125', ADMIN_DN);
  assert.deepEqual(exact.pages.map((page) => page.length), [125, 125], 'no empty page after a full last one');
});

test('the Link keeps the filters and the limit, and drops offset', async () => {
  const { pages, urls } = await follow('/api/images?owner=bob&q=even&limit=20&offset=3', BOB);
  const evens = every.filter((name) => name.startsWith('bob/even'));
  assert.deepEqual(pages.flat(), evens.slice(3));
  for (const url of urls.slice(1)) {
    assert.match(url, /owner=bob/);
    assert.match(url, /q=even/);
    assert.match(url, /limit=20/);
    assert.doesNotMatch(url, /offset/);
  }
});

test('offset= still pages for old clients; limit goes up to 1000', async () => {
  const response = await t.request('GET', '/api/images?limit=50&offset=200', { dn: ADMIN_DN });
  assert.deepEqual(namesOf(response), every.slice(200));
  const big = await t.request('GET', '/api/images?limit=1000', { dn: ADMIN_DN });
  assert.equal(namesOf(big).length, 250);
  assert.equal(big.headers.link, undefined);
});

test('a cursor that is not the server\'s, a cursor with offset, or limit over 1000 is 400 saying what to do', async () => {
  for (const [query, message] of [
    ['cursor=bogus', /Link/],
    [`cursor=${Buffer.from('["a","b",-1]').toString('base64url')}`, /Link/],
    [`cursor=${Buffer.from('["a","b",1]').toString('base64url')}&offset=2`, /either cursor or offset/],
    ['limit=1001', /1 to 1000/],
  ] as const) {
    const response = await t.request('GET', `/api/images?${query}`, { dn: ADMIN_DN });
    assert.equal(response.statusCode, 400, query);
    assert.equal(errorOf(response).code, 'BAD_REQUEST');
    assert.match(errorOf(response).message, message);
  }
});

test('GET /api/users/{u}/images and …/shared page the same way', async () => {
  const first = await t.request('GET', '/api/users/bob/images', { dn: BOB });
  assert.equal(first.headers['x-total-count'], '125');
  assert.equal(namesOf(first).length, 100);
  const { pages } = await follow('/api/users/bob/images?limit=50', BOB);
  assert.deepEqual(pages.flat(), every.filter((name) => name.startsWith('bob/')));
  const shared = await t.request('GET', '/api/users/bob/shared?limit=5', { dn: BOB });
  assert.equal(shared.statusCode, 200);
  assert.equal(shared.headers['x-total-count'], '0');
  assert.equal((await t.request('GET', '/api/users/bob/images?nonsense=1', { dn: BOB })).statusCode, 400);
});
