/**
 * Conformance of the resumable-upload rows (`upload-store.ts`): a row round-trips (a delta
 * re-save's with its base version); the lease
 * is exclusive — two instances racing for it, ROUNDS times, never both get it — lapses when its
 * holder stops renewing it, and only its holder records an offset; expired rows are taken by
 * exactly one of two sweeping instances, leased ones never.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NewUpload } from '../../src/metadata/upload-store.js';
import { withDatabase, type MetadataBackend } from './harness.js';
import { ROUNDS } from './race-harness.js';

const upload = (id: string, expires = new Date(Date.now() + 3600_000).toISOString()): NewUpload => ({
  id,
  imageId: 7,
  imageUuid: 'b3f1c9e0-1111-4222-8333-444455556666',
  userId: 3,
  length: 5_000_000_000,
  expectedSha256: 'a'.repeat(64),
  metadata: 'filename ZGViaWFuLmltZw==',
  storageHandle: `handle-of-${id}`,
  expires,
});

export function uploadContracts(backend: MetadataBackend): void {
  test(
    'an upload row round-trips with offset 0; release records the offset only for the lease holder',
    withDatabase(backend, async ({ metadata }) => {
      const created = await metadata.uploads.create(upload('u1'));
      assert.deepEqual({ ...created, created: '' }, { ...upload('u1', created.expires), offset: 0, created: '', baseVersion: null });
      assert.deepEqual(await metadata.uploads.find('u1'), created);
      // A delta re-save's upload names its base version (migration 0011).
      const based = await metadata.uploads.create({ ...upload('u2'), baseVersion: 41 });
      assert.equal(based.baseVersion, 41);
      assert.equal((await metadata.uploads.find('u2'))?.baseVersion, 41);
      assert.equal(await metadata.uploads.find('nope'), undefined);

      assert.equal(await metadata.uploads.lease('u1', 'first', 60_000), true);
      await metadata.uploads.release('u1', 'someone-else', { offset: 99, expires: created.expires });
      assert.equal((await metadata.uploads.find('u1'))?.offset, 0, 'not the holder: nothing recorded');
      await metadata.uploads.release('u1', 'first', { offset: 4_500_000_000, expires: created.expires });
      assert.equal((await metadata.uploads.find('u1'))?.offset, 4_500_000_000);
      assert.equal(await metadata.uploads.lease('u1', 'second', 60_000), true, 'released: free again');
      assert.equal(await metadata.uploads.delete('u1'), true);
      assert.equal(await metadata.uploads.delete('u1'), false);
      assert.equal(await metadata.uploads.lease('u1', 'third', 60_000), false, 'gone');
    }),
  );

  test(
    'two instances racing for the lease: exactly one gets it, every round; a lapsed lease is free',
    withDatabase(backend, async ({ metadata, open }) => {
      const other = open();
      for (let round = 0; round < ROUNDS; round += 1) {
        const id = `race-${round}`;
        await metadata.uploads.create(upload(id));
        const won = await Promise.all([metadata.uploads.lease(id, 'a', 60_000), other.uploads.lease(id, 'b', 60_000)]);
        assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(won)}`);
      }
      await metadata.uploads.create(upload('lapsing'));
      assert.equal(await metadata.uploads.lease('lapsing', 'crashed', 1), true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await other.uploads.lease('lapsing', 'survivor', 60_000), true);
    }),
  );

  test(
    'takeExpired deletes and returns expired, unleased rows; two sweepers share them without overlap',
    withDatabase(backend, async ({ metadata, open }) => {
      const past = new Date(Date.now() - 1000).toISOString();
      for (const id of ['old1', 'old2', 'old3']) await metadata.uploads.create(upload(id, past));
      await metadata.uploads.create(upload('leased', past));
      await metadata.uploads.lease('leased', 'running', 60_000);
      await metadata.uploads.create(upload('fresh'));
      const other = open();
      const [a, b] = await Promise.all([metadata.uploads.takeExpired(new Date()), other.uploads.takeExpired(new Date())]);
      assert.deepEqual([...a, ...b].map((row) => row.id).sort(), ['old1', 'old2', 'old3']);
      assert.equal(a[0]?.storageHandle.startsWith('handle-of-') ?? true, true);
      assert.notEqual(await metadata.uploads.find('leased'), undefined);
      assert.notEqual(await metadata.uploads.find('fresh'), undefined);
    }),
  );

  test(
    'namesStorage says whether a row names a storage handle, for the sweeper of stored uploads no row owns',
    withDatabase(backend, async ({ metadata }) => {
      await metadata.uploads.create(upload('owned'));
      const { storageHandle } = (await metadata.uploads.find('owned'))!;
      assert.equal(await metadata.uploads.namesStorage(storageHandle), true);
      assert.equal(await metadata.uploads.namesStorage(`${storageHandle}x`), false);
      assert.equal(await metadata.uploads.delete('owned'), true);
      assert.equal(await metadata.uploads.namesStorage(storageHandle), false);
    }),
  );
}
