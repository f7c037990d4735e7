// createBlobStore() picks the driver the configuration names: "fs" opens a filesystem store
// (creating its directories); "s3" needs a bucket and half a credential is refused, before any
// request. Opening "s3" against a real server is tested in s3-blob-store.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createBlobStore } from '../../src/storage/index.js';

it('driver "fs" opens a filesystem store at path, creating blobs/, resumable/ and uploads/', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'repoman-factory-'));
  try {
    const store = await createBlobStore({ driver: 'fs', path: join(parent, 'storage') });
    assert.deepEqual(await readdir(join(parent, 'storage')).then((names) => names.sort()), ['blobs', 'resumable', 'uploads']);
    for await (const key of store.list()) assert.fail(`unexpected blob ${key}`);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

it('driver "s3" without a bucket, or with only half a credential, is refused before any request', async () => {
  const s3 = { driver: 's3', path: '/unused', endpoint: 'http://127.0.0.1:9' } as const;
  await assert.rejects(createBlobStore({ ...s3, bucket: '' }), /"s3" needs a bucket/);
  await assert.rejects(createBlobStore({ ...s3, bucket: 'images', access_key_id: 'AKIA', secret_access_key: '' }), /must be given together/);
});
