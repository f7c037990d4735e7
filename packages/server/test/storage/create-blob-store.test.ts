// createBlobStore() picks the driver the configuration names: "fs" opens a filesystem store
// (creating its directories), "s3" is refused with a clear message until its driver exists.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createBlobStore } from '../../src/storage/index.js';

it('driver "fs" opens a filesystem store at path, creating blobs/ and uploads/', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'repoman-factory-'));
  try {
    const store = await createBlobStore({ driver: 'fs', path: join(parent, 'storage') });
    assert.deepEqual(await readdir(join(parent, 'storage')).then((names) => names.sort()), ['blobs', 'uploads']);
    for await (const key of store.list()) assert.fail(`unexpected blob ${key}`);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

it('driver "s3" is refused as not yet supported', async () => {
  await assert.rejects(
    createBlobStore({ driver: 's3', path: 'repoman/', endpoint: 'http://127.0.0.1:7480', bucket: 'images' }),
    /"s3" is not yet supported/,
  );
});
