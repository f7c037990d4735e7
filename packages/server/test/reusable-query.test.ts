/**
 * `reusableQuery` (metadata/reusable-query.ts) on a real migrated SQLite database: a query
 * compiled once answers each call with that call's values, exactly as the query built anew
 * would, for scalar arguments and for lists of any length; a builder that uses an argument to
 * choose the query's shape, or uses it twice, is refused instead of answering wrongly.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openMetadata, type OpenMetadata } from '../src/metadata/open-metadata.js';
import { reusableQuery } from '../src/metadata/reusable-query.js';

let dir: string;
let metadata: OpenMetadata;
const ids: number[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repoman-reusable-query-'));
  metadata = openMetadata(`sqlite:${join(dir, 'repoman.db')}`);
  await metadata.migrate();
  for (const name of ['ann', 'bob', 'cyd', 'dee']) {
    const user = await metadata.users.create({ name, clientDn: `/CN=${name}` }, []);
    ids.push(user.id);
  }
});

after(async () => {
  await metadata.close();
  await rm(dir, { recursive: true, force: true });
});

const byName = (name: string) => metadata.db.selectFrom('users').select(['id', 'name']).where('name', '=', name).where('suspended', '=', 0);
const byIds = (userIds: readonly number[]) => metadata.db.selectFrom('users').select(['id', 'name']).where('id', 'in', userIds).orderBy('name');

test('each call runs with its own values, as the query built anew would', async () => {
  const find = reusableQuery(metadata.db, byName);
  for (const name of ['bob', 'ann', 'nobody', 'dee', 'bob']) {
    assert.deepEqual(await find(name), await byName(name).execute(), name);
  }
  assert.equal((await find('cyd'))[0]?.name, 'cyd');
});

test('lists of any length: one compiled query per length, each with the call values', async () => {
  const find = reusableQuery(metadata.db, byIds);
  const lists = [[ids[0]!], [ids[2]!, ids[1]!], [ids[3]!, ids[0]!, 999_999], [ids[1]!], ids];
  for (const list of lists) assert.deepEqual(await find(list), await byIds(list).execute(), list.join(','));
});

test('a builder that uses an argument to choose the shape of the query is refused', async () => {
  const bad = reusableQuery(metadata.db, (limit: number) => (limit > 0 ? byName('ann').limit(limit) : byName('ann')));
  await assert.rejects(bad(1), /each argument must be a parameter of the query/);
  const twice = reusableQuery(metadata.db, (name: string) => byName(name).where('client_dn', '=', name));
  await assert.rejects(twice('ann'), /each argument must be a parameter of the query/);
});
