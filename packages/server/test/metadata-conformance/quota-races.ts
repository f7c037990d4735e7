/**
 * Conformance of quotas (SPEC §3 "Quotas"), alone and under concurrency: usage is what the
 * user's images hold; a reservation past its expiry no longer counts (a crashed instance does
 * not hold a quota for good); and two instances on one database never both slip under a
 * quota — racing reservations, racing new slots, and racing uploads whose announced lengths
 * each fit alone but not together: one succeeds, the other answers QUOTA_EXCEEDED, ROUNDS
 * times each.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { resolveCaller, type UserCaller } from '../../src/services/caller.js';
import { createImageTransferService } from '../../src/services/image-transfer.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import type { OpenMetadata } from '../../src/metadata/open-metadata.js';
import { addImage, addUser, withDatabase, type MetadataBackend } from './harness.js';
import { ADMIN_DN, race, ROUNDS, twoInstances } from './race-harness.js';

const SHA = 'c'.repeat(64);
const TTL = 60_000;

/** The admin as a request would see it now (its quotas are read per request). */
async function adminNow(metadata: OpenMetadata): Promise<UserCaller> {
  const caller = await resolveCaller(metadata, { dn: ADMIN_DN, limited: false }, { plainHttp: false });
  if (caller.kind !== 'user') throw new Error('the admin did not resolve');
  return caller;
}

export function quotaRaces(backend: MetadataBackend): void {
  test(
    'usage is what the user\'s images hold; an expired reservation no longer counts; renew and release',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      await addImage(metadata, bob, 'a.img', { content: { blobKey: 'k1', size: 3_000_000_000, checksum: SHA, uploaded: new Date().toISOString(), version: 1 } });
      await addImage(metadata, bob, 'b.img');
      const usage = await metadata.quotas.usageOf([bob.id, pam.id]);
      assert.deepEqual([usage.get(bob.id), usage.get(pam.id)], [{ bytes: 3_000_000_000, images: 2 }, { bytes: 0, images: 0 }], 'beyond 32 bits, as numbers');

      const limits = { bytes: 3_000_000_100, images: 0 };
      const lapsed = await metadata.quotas.reserve({ userId: bob.id, bytes: 100, images: 0, limits, ttlMs: -1 });
      assert.equal(lapsed.ok, true);
      const live = await metadata.quotas.reserve({ userId: bob.id, bytes: 100, images: 0, limits, ttlMs: TTL });
      assert.equal(live.ok, true, 'the expired reservation does not count');
      const refused = await metadata.quotas.reserve({ userId: bob.id, bytes: 1, images: 0, limits, ttlMs: TTL });
      assert.deepEqual(refused, { ok: false, usage: { bytes: 3_000_000_100, images: 2 }, exceeds: 'bytes' });
      if (!live.ok) return;
      await metadata.quotas.renew(live.id, TTL);
      await metadata.quotas.release(live.id);
      await metadata.quotas.release(live.id);
      assert.equal((await metadata.quotas.reserve({ userId: bob.id, bytes: 100, images: 0, limits, ttlMs: TTL })).ok, true, 'released');
    }),
  );

  test(
    'two instances reserving what fits once: exactly one reservation is taken',
    withDatabase(backend, async (database) => {
      const { a, b } = await twoInstances(database);
      const bob = await addUser(a.metadata, 'bob');
      const limits = { bytes: 100, images: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const claim = (metadata: OpenMetadata) => metadata.quotas.reserve({ userId: bob.id, bytes: 60, images: 0, limits, ttlMs: TTL });
        const results = await Promise.all([claim(a.metadata), claim(b.metadata)]);
        assert.deepEqual(results.map((result) => result.ok).sort(), [false, true], `round ${round}`);
        for (const result of results) if (result.ok) await a.metadata.quotas.release(result.id);
      }
    }),
  );

  test(
    'two instances creating images when one slot is left: one 201, one QUOTA_EXCEEDED, the count exact',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      for (let round = 0; round < ROUNDS; round++) {
        await a.metadata.users.update(admin.user.id, { quotaImages: round + 1 });
        const caller = await adminNow(a.metadata);
        const outcomes = await race(a.images.create(caller, { name: `a${round}.img` }), b.images.create(caller, { name: `b${round}.img` }));
        assert.deepEqual(outcomes, ['QUOTA_EXCEEDED', 'ok'], `round ${round}`);
      }
      assert.equal((await a.metadata.quotas.usageOf([admin.user.id])).get(admin.user.id)?.images, ROUNDS);
    }),
  );

  test(
    'two instances uploading lengths that fit alone but not together: one 200, one QUOTA_EXCEEDED',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      const dir = await mkdtemp(join(tmpdir(), 'repoman-quota-race-'));
      try {
        const blobs = await FsBlobStore.open(dir);
        // One version kept: an upload replaces the bytes it counts.
        const transfers = [a, b].map((instance) => createImageTransferService(instance.metadata, blobs, { maxImageBytes: 0, keepVersions: 1 }));
        await a.metadata.users.update(admin.user.id, { quotaBytes: 100 });
        const caller = await adminNow(a.metadata);
        await a.images.create(caller, { name: 'one.img' });
        await a.images.create(caller, { name: 'two.img' });
        for (let round = 0; round < Math.min(ROUNDS, 10); round++) {
          const upload = (index: number) => {
            // Bytes arrive only after both claims were made: the first claim is still in flight.
            const source = new PassThrough();
            setTimeout(() => source.end(Buffer.alloc(60, round)), 100);
            const name = index === 0 ? 'one.img' : 'two.img';
            return transfers[index]!.upload(caller, { name }, { source, length: 60, expectedSha256: undefined, signal: new AbortController().signal });
          };
          assert.deepEqual(await race(upload(0), upload(1)), ['QUOTA_EXCEEDED', 'ok'], `round ${round}`);
          // Empty both again for the next round (a 0-byte upload replaces the bytes).
          for (const name of ['one.img', 'two.img']) {
            const source = new PassThrough();
            source.end();
            await transfers[0]!.upload(caller, { name }, { source, length: 0, expectedSha256: undefined, signal: new AbortController().signal });
          }
        }
        assert.equal((await a.metadata.quotas.usageOf([admin.user.id])).get(admin.user.id)?.bytes, 0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
  );
}
