/**
 * Conformance of the download-link store (`link-store.ts`): a link is found by its token hash
 * only while live (not expired, not revoked, at the time given); listings hold the image's live
 * links, newest first; revocation is per image and happens once; a taken id or token hash is
 * UniqueViolation and a missing image MissingReference, writing nothing; links go with their
 * image and its owner; and downloads counted by two instances at once all add up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MissingReference, UniqueViolation } from '../../src/metadata/store-errors.js';
import { addImage, addUser, danglingRows, withDatabase, type MetadataBackend } from './harness.js';

const HOUR = 3600_000;
const hash = (c: string): string => c.repeat(64);

export function linkContracts(backend: MetadataBackend): void {
  test(
    'a link is found by its token hash while live; listings hold live links, newest first; revocation is per image, once',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const disk = await addImage(metadata, bob, 'disk.img');
      const other = await addImage(metadata, bob, 'other.img');
      const now = new Date();
      const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
      const first = await metadata.links.create({ id: 'a1', tokenHash: hash('a'), imageId: disk.id, version: null, createdBy: 'bob', expires: at(HOUR) });
      assert.deepEqual({ ...first, created: undefined }, { id: 'a1', imageId: disk.id, version: null, created: undefined, createdBy: 'bob', expires: at(HOUR), revoked: null, downloads: 0 });
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct creation times
      await metadata.links.create({ id: 'b2', tokenHash: hash('b'), imageId: disk.id, version: 3, createdBy: 'ada', expires: at(2 * HOUR) });
      await metadata.links.create({ id: 'c3', tokenHash: hash('c'), imageId: disk.id, version: null, createdBy: 'bob', expires: at(-1) });

      assert.equal((await metadata.links.findLive(hash('a'), now))?.id, 'a1');
      assert.equal((await metadata.links.findLive(hash('b'), now))?.version, 3);
      assert.equal(await metadata.links.findLive(hash('c'), now), undefined, 'expired');
      assert.equal(await metadata.links.findLive(hash('d'), now), undefined, 'unknown');
      assert.equal(await metadata.links.findLive(hash('a'), new Date(now.getTime() + HOUR)), undefined, 'expired at its expiry time');
      assert.deepEqual((await metadata.links.listLive(disk.id, now)).map((link) => link.id), ['b2', 'a1']);

      assert.equal(await metadata.links.revoke(other.id, 'a1', now), false, 'not through another image');
      assert.equal(await metadata.links.revoke(disk.id, 'a1', now), true);
      assert.equal(await metadata.links.revoke(disk.id, 'a1', now), false, 'once');
      assert.equal(await metadata.links.findLive(hash('a'), now), undefined, 'revoked');
      assert.deepEqual((await metadata.links.listLive(disk.id, now)).map((link) => link.id), ['b2']);
      assert.deepEqual(await metadata.links.listLive(other.id, now), []);
    }),
  );

  test(
    'a taken id or token hash is UniqueViolation, a missing image MissingReference; nothing is written',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const disk = await addImage(metadata, bob, 'disk.img');
      const link = { id: 'a1', tokenHash: hash('a'), imageId: disk.id, version: null, createdBy: 'bob', expires: new Date(Date.now() + HOUR).toISOString() };
      await metadata.links.create(link);
      await assert.rejects(metadata.links.create({ ...link, tokenHash: hash('b') }), UniqueViolation);
      await assert.rejects(metadata.links.create({ ...link, id: 'b2' }), UniqueViolation);
      await assert.rejects(metadata.links.create({ ...link, id: 'c3', tokenHash: hash('c'), imageId: disk.id + 1000 }), MissingReference);
      const rows = await metadata.db.selectFrom('download_links').select('id').execute();
      assert.deepEqual(rows.map((row) => row.id), ['a1']);
    }),
  );

  test(
    'links go with their image, and with its owner',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      const expires = new Date(Date.now() + HOUR).toISOString();
      const disk = await addImage(metadata, bob, 'disk.img');
      const kept = await addImage(metadata, pam, 'kept.img');
      await metadata.links.create({ id: 'a1', tokenHash: hash('a'), imageId: disk.id, version: null, createdBy: 'bob', expires });
      await metadata.links.create({ id: 'b2', tokenHash: hash('b'), imageId: kept.id, version: null, createdBy: 'pam', expires });
      assert.equal(await metadata.images.delete(disk.id), true);
      const again = await addImage(metadata, bob, 'again.img');
      await metadata.links.create({ id: 'c3', tokenHash: hash('c'), imageId: again.id, version: null, createdBy: 'bob', expires });
      assert.equal(await metadata.users.delete(bob.id), true);
      const rows = await metadata.db.selectFrom('download_links').select('id').execute();
      assert.deepEqual(rows.map((row) => row.id), ['b2']);
      assert.deepEqual(await danglingRows(metadata.db), []);
    }),
  );

  test(
    'downloads counted by two instances at once all add up',
    withDatabase(backend, async ({ metadata, open }) => {
      const bob = await addUser(metadata, 'bob');
      const disk = await addImage(metadata, bob, 'disk.img');
      await metadata.links.create({ id: 'a1', tokenHash: hash('a'), imageId: disk.id, version: null, createdBy: 'bob', expires: new Date(Date.now() + HOUR).toISOString() });
      const second = open();
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? second : metadata).links.countDownload('a1')));
      assert.equal((await metadata.links.findLive(hash('a'), new Date()))?.downloads, 40);
    }),
  );
}
