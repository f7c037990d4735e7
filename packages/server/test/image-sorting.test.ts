/**
 * `GET /api/images?sort=`: by name, upload time or size (a leading `-` reverses), ties by owner,
 * name and id; keyset paging follows the order (the cursor holds the sort key), so following
 * the Link headers lists every image exactly once in that order, with filters; a cursor of one
 * order is refused with 400 in another, and so is a forged one; an unknown order is a 400.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_DN, createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

interface Row {
  readonly ref: string;
  readonly owner: string;
  readonly name: string;
  readonly size: number | null;
  readonly uploaded: string | null;
}

let t: TestApp;
const rows: Row[] = [];

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', '/O=Grid/CN=Bob');
  for (const owner of ['admin', 'bob']) {
    const user = await t.metadata.users.findByName(owner);
    for (let i = 0; i < 23; i++) {
      const name = `img-${String((i * 7) % 23).padStart(2, '0')}.img`;
      // Every fifth image is empty (no size, no upload time); sizes and times repeat, so ties are broken by owner and name.
      const empty = i % 5 === 0;
      const size = (i % 4) * 1000;
      const uploaded = new Date(Date.UTC(2026, 0, 1 + (i % 6))).toISOString();
      await t.metadata.images.create({
        ownerId: user!.id,
        name,
        ...(!empty && { content: { blobKey: `blob-${owner}-${i}`, size, checksum: 'a'.repeat(64), uploaded, version: 1 } }),
      });
      rows.push({ ref: `${owner}/${name}`, owner, name, size: empty ? null : size, uploaded: empty ? null : uploaded });
    }
  }
});
after(() => t.close());

const bytes = (text: string) => Buffer.from(text);
const byTuple = (key: (row: Row) => string | number) => (a: Row, b: Row) => {
  const [x, y] = [key(a), key(b)];
  if (x !== y) return typeof x === 'number' && typeof y === 'number' ? x - y : Buffer.compare(bytes(String(x)), bytes(String(y)));
  return Buffer.compare(bytes(a.owner), bytes(b.owner)) || Buffer.compare(bytes(a.name), bytes(b.name));
};
const EXPECTED: Record<string, (a: Row, b: Row) => number> = {
  name: byTuple((row) => row.name),
  uploaded: byTuple((row) => row.uploaded ?? ''),
  size: byTuple((row) => row.size ?? -1),
};

const namesOf = (response: LightMyRequestResponse): string[] => (response.json() as { owner: string; name: string }[]).map((image) => `${image.owner}/${image.name}`);

async function follow(url: string): Promise<string[]> {
  const names: string[] = [];
  for (let next: string | undefined = url, pages = 0; next !== undefined; pages++) {
    assert.ok(pages < 50, 'the links end');
    const response = await t.request('GET', next, { dn: ADMIN_DN });
    assert.equal(response.statusCode, 200, response.body);
    names.push(...namesOf(response));
    const link = response.headers.link === undefined ? undefined : /^<https:\/\/localhost:80(\/[^>]+)>; rel="next"$/.exec(String(response.headers.link))?.[1];
    if (link !== undefined) assert.match(link, /sort=/, 'the Link keeps the order');
    next = link;
  }
  return names;
}

for (const key of ['name', 'uploaded', 'size'] as const) {
  for (const descending of [false, true]) {
    const sort = `${descending ? '-' : ''}${key}`;
    test(`sort=${sort}: following the Links (pages of 4) lists every image once, in that order`, async () => {
      const expected = [...rows].sort(EXPECTED[key]).map((row) => row.ref);
      if (descending) expected.reverse();
      assert.deepEqual(await follow(`/api/images?sort=${sort}&limit=4`), expected);
    });
  }
}

test('sort keeps the filters: only bob’s images, biggest first', async () => {
  const expected = rows.filter((row) => row.owner === 'bob').sort(EXPECTED.size).map((row) => row.ref).reverse();
  assert.deepEqual(await follow('/api/images?owner=bob&sort=-size&limit=3'), expected);
});

test('without sort the order is owner then name, as before, and its cursors are refused in another order', async () => {
  const first = await t.request('GET', '/api/images?limit=2', { dn: ADMIN_DN });
  assert.deepEqual(namesOf(first), rows.map((row) => row.ref).sort((a, b) => Buffer.compare(bytes(a), bytes(b))).slice(0, 2));
  const cursor = /cursor=([^&>]+)/.exec(String(first.headers.link))?.[1];
  assert.ok(cursor);
  const mixed = await t.request('GET', `/api/images?sort=size&cursor=${cursor}`, { dn: ADMIN_DN });
  assert.equal(mixed.statusCode, 400);
  assert.match(errorOf(mixed).message, /this cursor pages the order sort=owner: keep that sort with it/);
});

test('a forged cursor whose key is not of its order’s type is a 400, not a database error', async () => {
  for (const [sort, key] of [['size', 'big'], ['-uploaded', 7], ['name', null]] as const) {
    const cursor = Buffer.from(JSON.stringify(['admin', 'img-01.img', 1, sort, key])).toString('base64url');
    const response = await t.request('GET', `/api/images?sort=${sort}&cursor=${cursor}`, { dn: ADMIN_DN });
    assert.equal(response.statusCode, 400, `${sort} ${String(key)}: ${response.body}`);
    assert.match(errorOf(response).message, /cursor is not one this server gave out/);
  }
});

test('an unknown sort is a 400 that names the allowed ones', async () => {
  const response = await t.request('GET', '/api/images?sort=colour', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 400);
  assert.match(errorOf(response).message, /sort.*-size/s);
});
