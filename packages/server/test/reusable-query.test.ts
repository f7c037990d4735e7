/**
 * `reusableQuery` (metadata/reusable-query.ts) on a real migrated SQLite database: a query
 * compiled once answers each call with that call's values, exactly as the query built anew
 * would, for scalar arguments, for lists of any length and for an argument used in several
 * places; a builder that uses an argument to choose the query's shape is refused instead of
 * answering wrongly; `reusableQueries` keeps one query per shape its caller names.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openMetadata, type OpenMetadata } from '../src/metadata/open-metadata.js';
import { reusableQueries, reusableQuery } from '../src/metadata/reusable-query.js';

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
  const unused = reusableQuery(metadata.db, (name: string, dn: string) => byName(name).where('client_dn', '!=', dn.toUpperCase()));
  await assert.rejects(unused('ann', '/CN=ann'), /each argument must be a parameter of the query/);
});

test('an argument used in several places takes the call value in each', async () => {
  const byNameOrDn = (text: string) => metadata.db.selectFrom('users').select(['id', 'name']).where((eb) => eb.or([eb('name', '=', text), eb('client_dn', '=', text)])).orderBy('name');
  const find = reusableQuery(metadata.db, byNameOrDn);
  for (const text of ['bob', '/CN=cyd', 'nobody', 'ann']) assert.deepEqual(await find(text), await byNameOrDn(text).execute(), text);
  assert.deepEqual((await find('/CN=dee')).map((row) => row.name), ['dee']);
});

test('reusableQueries: one query per named shape, each call with its own values', async () => {
  const builds: string[] = [];
  const find = reusableQueries(metadata.db, (shape: string) => {
    builds.push(shape);
    return (value: string) => (shape === 'dn' ? metadata.db.selectFrom('users').select(['id', 'name']).where('client_dn', '=', value) : byName(value));
  });
  assert.deepEqual((await find('name', 'bob')).map((row) => row.name), ['bob']);
  assert.deepEqual((await find('dn', '/CN=cyd')).map((row) => row.name), ['cyd']);
  assert.deepEqual((await find('name', 'ann')).map((row) => row.name), ['ann']);
  assert.deepEqual(await find('dn', 'bob'), []);
  assert.deepEqual(builds, ['name', 'dn']);
});
