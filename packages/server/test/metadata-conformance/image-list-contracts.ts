/**
 * Conformance of the image list store (`image-list-store.ts`, SPEC §3 "HEPiX image lists"):
 * lists with their images, a name unique per owner, an image gone from every list when it is
 * deleted and a group cleared when it is, the blobs still waiting for their sha512, a sha512
 * recorded twice (two instances) kept once, and the publish compare-and-set: of two instances
 * signing from the same stored version, exactly one stores its document.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MissingReference, UniqueViolation } from '../../src/metadata/store-errors.js';
import { addImage, addUser, withDatabase, type MetadataBackend } from './harness.js';

const SHA = 'c'.repeat(64);
const content = (blobKey: string) => ({ content: { blobKey, size: 10, checksum: SHA, uploaded: new Date().toISOString(), version: 1 } });
const published = (version: number, document: string) => ({ version, document, contentDigest: 'd', signed: new Date().toISOString(), expires: new Date().toISOString() });

export function imageListContracts(backend: MetadataBackend): void {
  test(
    'a list keeps its images; its name is unique per owner; a deleted image leaves it, a deleted group is cleared',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const group = await metadata.groups.create({ name: 'atlas' }, [bob.id], []);
      const one = await addImage(metadata, bob, 'one.img', content('k1'));
      const two = await addImage(metadata, bob, 'two.img', content('k2'));
      const list = await metadata.imageLists.create({ ownerId: bob.id, name: 'fedcloud', title: 'FedCloud', vo: 'fedcloud.egi.eu', groupId: group.id }, [two.id, one.id, one.id]);
      assert.deepEqual([list.owner, list.group, list.vo, list.published], ['bob', 'atlas', 'fedcloud.egi.eu', null]);
      assert.deepEqual(await metadata.imageLists.memberIds(list.id), [one.id, two.id]);
      await assert.rejects(metadata.imageLists.create({ ownerId: bob.id, name: 'fedcloud', title: 'again' }, []), UniqueViolation);
      await assert.rejects(metadata.imageLists.create({ ownerId: bob.id, name: 'other', title: 'x' }, [999_999]), MissingReference);
      assert.deepEqual((await metadata.imageLists.list(bob.id)).map((row) => row.name), ['fedcloud']);

      assert.ok(await metadata.images.delete(one.id));
      assert.deepEqual(await metadata.imageLists.memberIds(list.id), [two.id]);
      assert.ok(await metadata.groups.delete(group.id));
      assert.equal((await metadata.imageLists.find(bob.id, 'fedcloud'))?.group, null);
      const changed = await metadata.imageLists.update(list.id, { title: 'New', vo: null }, []);
      assert.deepEqual([changed?.title, changed?.vo], ['New', null]);
      assert.deepEqual(await metadata.imageLists.memberIds(list.id), []);
      assert.ok(await metadata.imageLists.delete(list.id));
      assert.equal(await metadata.imageLists.update(list.id, { title: 'gone' }), undefined);
    }),
  );

  test(
    'blobs of listed images wait for their sha512 until one is recorded; recording twice keeps the first',
    withDatabase(backend, async ({ metadata, open }) => {
      const bob = await addUser(metadata, 'bob');
      const listed = await addImage(metadata, bob, 'listed.img', content('k-listed'));
      await addImage(metadata, bob, 'unlisted.img', content('k-unlisted'));
      const empty = await addImage(metadata, bob, 'empty.img');
      await metadata.imageLists.create({ ownerId: bob.id, name: 'l', title: 'l' }, [listed.id, empty.id]);
      assert.deepEqual(await metadata.imageLists.blobsAwaitingSha512(10), ['k-listed']);
      const other = open();
      await Promise.all([metadata.imageLists.recordSha512('k-listed', 'a'.repeat(128)), other.imageLists.recordSha512('k-listed', 'a'.repeat(128))]);
      await other.imageLists.recordSha512('k-listed', 'b'.repeat(128));
      assert.deepEqual([...(await metadata.imageLists.sha512Of(['k-listed', 'k-unlisted']))], [['k-listed', 'a'.repeat(128)]]);
      assert.deepEqual(await metadata.imageLists.blobsAwaitingSha512(10), []);
    }),
  );

  test(
    'of two instances publishing from the same stored version, exactly one stores its document',
    withDatabase(backend, async ({ metadata, open }) => {
      const bob = await addUser(metadata, 'bob');
      const list = await metadata.imageLists.create({ ownerId: bob.id, name: 'l', title: 'l' }, []);
      const other = open();
      const first = await Promise.all([metadata.imageLists.publish(list.id, null, published(20261207100000, 'a')), other.imageLists.publish(list.id, null, published(20261207100000, 'b'))]);
      assert.deepEqual(first.filter(Boolean).length, 1);
      const stored = (await metadata.imageLists.find(bob.id, 'l'))?.published;
      assert.equal(stored?.version, 20261207100000);
      assert.equal(stored?.document, first[0] ? 'a' : 'b');
      const next = await Promise.all([metadata.imageLists.publish(list.id, 20261207100000, published(20261207100001, 'c')), other.imageLists.publish(list.id, 20261207100000, published(20261207100001, 'd'))]);
      assert.deepEqual(next.filter(Boolean).length, 1);
      assert.equal(await metadata.imageLists.publish(list.id, 20261207100000, published(20261207100002, 'stale')), false);
    }),
  );
}
