/**
 * Conformance: image versions (SPEC §3 "Versions"), alone and racing between two instances.
 * Every upload, clone and rollback is a version row; the newest `keepVersions` are kept; a
 * rollback names the old version's blob (no byte copied) as a new version; the current version
 * cannot be dropped; the uploader's name outlives the uploader; kept versions' blobs are
 * referenced for the sweeper and count towards usage. Under concurrency, version numbers stay
 * unique and exact, and a rollback racing an upload (or the deletion of its version) either
 * wins whole or changes nothing: the image row is always its newest version row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OpenMetadata } from '../../src/metadata/open-metadata.js';
import { addImage, addUser, danglingRows, withDatabase, type MetadataBackend } from './harness.js';
import { ROUNDS, twoInstances } from './race-harness.js';

const sha = (n: number): string => n.toString(16).padStart(64, '0');
const blob = (n: number) => ({ key: `blobs/k${n}`, size: n, sha256: sha(n), detected: { diskFormat: 'raw', virtualSize: n } });

/** The image row agrees with its newest version row, field for field. */
async function assertCurrentIsNewest(metadata: OpenMetadata, imageId: number): Promise<void> {
  const image = await metadata.images.findById(imageId);
  const [newest] = await metadata.images.listVersions(imageId);
  assert.ok(image && newest);
  assert.deepEqual([image.version, image.blobKey, image.size, image.checksum], [newest.version, newest.blobKey, newest.size, newest.sha256]);
}

export function versionContracts(backend: MetadataBackend): void {
  test(
    'each upload is a version row with blob, size, sha256, format and uploader; the newest keepVersions are kept; 0 keeps all',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const image = await addImage(metadata, bob, 'a.img');
      for (let n = 1; n <= 5; n++) await metadata.images.recordUpload(image.id, blob(n), { uploadedBy: 'bob', keepVersions: 3 });
      const kept = await metadata.images.listVersions(image.id);
      assert.deepEqual(kept.map((v) => v.version), [5, 4, 3]);
      assert.deepEqual({ ...kept[0], uploaded: '' }, { version: 5, blobKey: 'blobs/k5', size: 5, sha256: sha(5), diskFormat: 'raw', virtualSize: 5, uploaded: '', uploadedBy: 'bob' });
      assert.deepEqual(await metadata.images.findVersion(image.id, 4), kept[1]);
      assert.equal(await metadata.images.findVersion(image.id, 2), undefined);
      assert.equal((await metadata.images.findById(image.id))?.versions, 3);
      for (let n = 6; n <= 8; n++) await metadata.images.recordUpload(image.id, blob(n), { keepVersions: 0 });
      assert.deepEqual((await metadata.images.listVersions(image.id)).map((v) => [v.version, v.uploadedBy]), [[8, null], [7, null], [6, null], [5, 'bob'], [4, 'bob'], [3, 'bob']]);
      await assertCurrentIsNewest(metadata, image.id);
    }),
  );

  test(
    'rollback names the old blob as a new version, keeps the history; a missing version or a read-only image changes nothing',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const image = await addImage(metadata, bob, 'a.img');
      await metadata.images.recordUpload(image.id, blob(10));
      await metadata.images.recordUpload(image.id, blob(20), { uploadedBy: 'bob' });
      const done = await metadata.images.rollback(image.id, 1, { uploadedBy: 'pam', keepVersions: 5 });
      assert.equal(done.kind, 'done');
      assert.ok(done.kind === 'done');
      assert.deepEqual([done.image.version, done.image.versions, done.image.blobKey, done.image.size, done.image.checksum], [3, 3, 'blobs/k10', 10, sha(10)]);
      assert.deepEqual((await metadata.images.listVersions(image.id)).map((v) => [v.version, v.blobKey, v.uploadedBy]), [
        [3, 'blobs/k10', 'pam'],
        [2, 'blobs/k20', 'bob'],
        [1, 'blobs/k10', null],
      ]);
      const before = await metadata.images.findById(image.id);
      assert.deepEqual(await metadata.images.rollback(image.id, 9), { kind: 'version-missing' });
      assert.deepEqual(await metadata.images.findById(image.id), before, 'the version bump was undone');
      await metadata.images.update(image.id, { readOnly: true });
      assert.deepEqual(await metadata.images.rollback(image.id, 2), { kind: 'read-only' });
      assert.deepEqual(await metadata.images.rollback(image.id + 100, 1), { kind: 'image-missing' });
      assert.equal((await metadata.images.listVersions(image.id)).length, 3);
    }),
  );

  test(
    'deleteVersion drops a kept version but refuses the current one; versions go with their image; the uploader may be deleted',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      const image = await addImage(metadata, bob, 'a.img');
      await metadata.images.recordUpload(image.id, blob(1), { uploadedBy: 'pam' });
      await metadata.images.recordUpload(image.id, blob(2), { uploadedBy: 'bob' });
      assert.equal(await metadata.images.deleteVersion(image.id, 2), 'current');
      assert.equal(await metadata.images.deleteVersion(image.id, 7), 'missing');
      assert.equal(await metadata.users.delete(pam.id), true);
      assert.deepEqual((await metadata.images.listVersions(image.id)).map((v) => v.uploadedBy), ['bob', 'pam'], "a deleted uploader's name stays");
      assert.equal(await metadata.images.deleteVersion(image.id, 1), 'deleted');
      assert.deepEqual((await metadata.images.listVersions(image.id)).map((v) => v.version), [2]);
      assert.equal(await metadata.images.delete(image.id), true);
      assert.deepEqual(await metadata.images.listVersions(image.id), []);
      assert.deepEqual(await danglingRows(metadata.db), []);
    }),
  );

  test(
    'kept versions keep their blobs referenced and count towards usage; a clone starts with one version',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const image = await addImage(metadata, bob, 'a.img');
      await metadata.images.recordUpload(image.id, blob(100));
      await metadata.images.recordUpload(image.id, blob(30), { keepVersions: 2 });
      assert.equal(await metadata.images.isBlobReferenced('blobs/k100'), true, 'named by version 1 only');
      assert.deepEqual([...(await metadata.images.referencedBlobKeys())].sort(), ['blobs/k100', 'blobs/k30']);
      assert.deepEqual((await metadata.quotas.usageOf([bob.id])).get(bob.id), { bytes: 130, images: 1 });
      assert.equal(await metadata.quotas.pushedOutBytes(image.id, 2), 100, 'keeping 2, the next upload pushes out version 1');
      assert.equal(await metadata.quotas.pushedOutBytes(image.id, 0), 0);
      const current = await metadata.images.findById(image.id);
      const clone = await addImage(metadata, bob, 'b.img', {
        content: { blobKey: current!.blobKey!, size: 30, checksum: sha(30), uploaded: current!.uploaded!, version: 1, uploadedBy: 'bob' },
      });
      assert.deepEqual([clone.version, clone.versions], [1, 1]);
      assert.deepEqual((await metadata.quotas.usageOf([bob.id])).get(bob.id), { bytes: 160, images: 2 });
      await metadata.images.recordUpload(image.id, blob(5), { keepVersions: 2 });
      assert.equal(await metadata.images.isBlobReferenced('blobs/k100'), false, 'dropped with version 1');
    }),
  );

  test(
    'two instances uploading and rolling back at once: version numbers unique and exact, the kept count exact, the row its newest version',
    withDatabase(backend, async (database) => {
      const { a, b } = await twoInstances(database);
      const bob = await addUser(a.metadata, 'bob');
      const image = await addImage(a.metadata, bob, 'busy.img');
      await a.metadata.images.recordUpload(image.id, blob(1));
      await a.metadata.images.recordUpload(image.id, blob(2));
      let expected = 2;
      for (let round = 0; round < ROUNDS; round++) {
        // The version before the current one: whatever order the three commit in, at most two
        // newer versions exist when the rollback holds the row, so it is still among the 4 kept.
        const target = expected - 1;
        const results = await Promise.all([
          a.metadata.images.recordUpload(image.id, blob(1000 + round), { keepVersions: 4 }),
          b.metadata.images.rollback(image.id, target, { keepVersions: 4 }),
          b.metadata.images.recordUpload(image.id, blob(2000 + round), { keepVersions: 4 }),
        ]);
        assert.ok(results[0] && results[2]);
        assert.equal(results[1].kind, 'done', `round ${round}`);
        expected += 3;
        const versions = await b.metadata.images.listVersions(image.id);
        assert.deepEqual(versions.map((v) => v.version), [expected, expected - 1, expected - 2, expected - 3], `round ${round}`);
        await assertCurrentIsNewest(b.metadata, image.id);
      }
    }),
  );

  test(
    'a rollback racing the deletion of its version: both happen, or the rollback finds no version and changes nothing',
    withDatabase(backend, async (database) => {
      const { a, b } = await twoInstances(database);
      const bob = await addUser(a.metadata, 'bob');
      const image = await addImage(a.metadata, bob, 'busy.img');
      for (let round = 0; round < ROUNDS; round++) {
        const old = await a.metadata.images.recordUpload(image.id, blob(3000 + round));
        await a.metadata.images.recordUpload(image.id, blob(4000 + round));
        const before = await a.metadata.images.findById(image.id);
        const [rolled, deleted] = await Promise.all([a.metadata.images.rollback(image.id, old!.version), b.metadata.images.deleteVersion(image.id, old!.version)]);
        const after = await a.metadata.images.findById(image.id);
        if (rolled.kind === 'done') {
          assert.equal(deleted, 'deleted');
          assert.equal(after?.blobKey, `blobs/k${3000 + round}`, 'the rollback names the old blob, which a version row still names');
          assert.equal(await a.metadata.images.isBlobReferenced(`blobs/k${3000 + round}`), true);
        } else {
          assert.deepEqual([rolled.kind, deleted], ['version-missing', 'deleted']);
          assert.deepEqual({ ...after, versions: after!.versions + 1 }, before, 'nothing changed but the deleted version');
        }
        await assertCurrentIsNewest(a.metadata, image.id);
      }
    }),
  );
}
