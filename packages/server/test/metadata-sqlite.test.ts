/**
 * The metadata conformance suite on SQLite: each test's database is a new file in one
 * temporary directory (removed with its WAL files afterwards); the run fails if anything is
 * left behind.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { metadataConformance } from './metadata-conformance.js';

let dir: string;
let count = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repoman-metadata-sqlite-'));
});
after(async () => {
  const left = await readdir(dir);
  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(left, [], 'every test database was removed');
});

metadataConformance({
  name: 'sqlite',
  createDatabase: async () => `sqlite:${join(dir, `test-${++count}`, 'repoman.db')}`,
  async dropDatabase(url) {
    await rm(join(url.slice('sqlite:'.length), '..'), { recursive: true, force: true });
  },
});
