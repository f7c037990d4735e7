/**
 * Conformance: the ImageStore contract for single images. A new row is an empty slot or a
 * clone's content; names are unique per owner; updates change only what is given; an upload
 * switches the content and counts a version in SQL (sizes past 4 GiB come back as exact
 * numbers); deleting removes the shares; shares are idempotent and refuse missing rows; the
 * sweeper's queries see every referenced blob key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MissingReference, UniqueViolation } from '../../src/metadata/store-errors.js';
import { addImage, addUser, tableCounts, withDatabase, type MetadataBackend } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SHA = 'a'.repeat(64);
const FIVE_GB = 5 * 1024 ** 3 + 7;

export function imageContracts(backend: MetadataBackend): void {
  test(
    'a new image is an empty slot with the given fields; find and findById return it',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const image = await addImage(metadata, bob, 'Debian6.img.gz', { description: 'Squeeze', osArch: 'x86_64', expires: '2031-01-01T00:00:00.000Z', unauthenticatedAccess: true });
      assert.match(image.uuid, UUID);
      assert.deepEqual({ ...image, id: 0, uuid: '', created: '', modified: '' }, {
        id: 0, ownerId: bob.id, owner: 'bob', name: 'Debian6.img.gz', uuid: '', description: 'Squeeze', osVariant: '', osType: '', osArch: 'x86_64',
        hypervisor: '', size: null, checksum: null, blobKey: null, version: 0, versions: 0, status: 'empty', created: '', uploaded: null, modified: '',
        expires: '2031-01-01T00:00:00.000Z', readOnly: false, unauthenticatedAccess: true, diskFormat: null, virtualSize: null, minDisk: 0, minRam: 0,
      });
      assert.deepEqual(await metadata.images.find(bob.id, 'Debian6.img.gz'), image);
      assert.deepEqual(await metadata.images.findById(image.id), image);
      assert.equal(await metadata.images.find(bob.id, 'debian6.img.gz'), undefined, 'names are case-sensitive');
      assert.equal(await metadata.images.findById(424242), undefined);
    }),
  );

  test(
    'a clone starts with the given content, size exact past 4 GiB',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const content = { blobKey: 'blobs/ab/cd', size: FIVE_GB, checksum: SHA, uploaded: '2024-05-01T10:00:00.000Z', version: 1 };
      const clone = await addImage(metadata, bob, 'clone.img', { content });
      assert.deepEqual([clone.status, clone.blobKey, clone.size, clone.checksum, clone.uploaded, clone.version], ['ready', 'blobs/ab/cd', FIVE_GB, SHA, content.uploaded, 1]);
      assert.equal(typeof clone.size, 'number');
    }),
  );

  test(
    'image names are unique per owner, not across owners; a missing owner writes nothing',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      const bobs = await addImage(metadata, bob, 'sl6.img');
      await addImage(metadata, pam, 'sl6.img');
      const before = await tableCounts(metadata.db);
      await assert.rejects(addImage(metadata, bob, 'sl6.img'), UniqueViolation);
      await assert.rejects(metadata.images.create({ ownerId: 424242, name: 'x.img' }), MissingReference);
      assert.deepEqual(await tableCounts(metadata.db), before);
      const other = await addImage(metadata, bob, 'other.img');
      await assert.rejects(metadata.images.update(other.id, { name: 'sl6.img' }), UniqueViolation);
      await assert.rejects(metadata.images.update(bobs.id, { ownerId: pam.id }), UniqueViolation);
      await assert.rejects(metadata.images.update(bobs.id, { ownerId: 424242 }), MissingReference);
      assert.deepEqual(await metadata.images.findById(bobs.id), bobs);
    }),
  );

  test(
    'update changes only the given fields, clears expires with null, renames, changes owner, and answers undefined when gone',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      const image = await addImage(metadata, bob, 'sl6.img', { description: 'old', expires: '2031-01-01T00:00:00.000Z' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const changed = await metadata.images.update(image.id, { hypervisor: 'kvm', readOnly: true, expires: null });
      assert.ok(changed);
      assert.deepEqual([changed.description, changed.hypervisor, changed.readOnly, changed.expires, changed.unauthenticatedAccess], ['old', 'kvm', true, null, false]);
      assert.ok(changed.modified > image.modified);
      const moved = await metadata.images.update(image.id, { name: 'sl6-pam.img', ownerId: pam.id, readOnly: false });
      assert.deepEqual([moved?.owner, moved?.ownerId, moved?.name, moved?.readOnly, moved?.uuid], ['pam', pam.id, 'sl6-pam.img', false, image.uuid]);
      assert.equal(await metadata.images.update(424242, { description: 'x' }), undefined);
    }),
  );

  test(
    'recordUpload switches the content and counts a version; a read-only or missing image is left alone',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const image = await addImage(metadata, bob, 'sl6.img');
      const first = await metadata.images.recordUpload(image.id, { key: 'k1', size: FIVE_GB, sha256: SHA });
      assert.ok(first);
      assert.deepEqual([first.status, first.blobKey, first.size, first.checksum, first.version], ['ready', 'k1', FIVE_GB, SHA, 1]);
      assert.equal(first.uploaded, first.modified);
      const second = await metadata.images.recordUpload(image.id, { key: 'k2', size: 0, sha256: SHA });
      assert.deepEqual([second?.blobKey, second?.size, second?.version], ['k2', 0, 2]);
      await metadata.images.update(image.id, { readOnly: true });
      assert.equal(await metadata.images.recordUpload(image.id, { key: 'k3', size: 1, sha256: SHA }), undefined);
      assert.equal((await metadata.images.findById(image.id))?.blobKey, 'k2');
      assert.equal(await metadata.images.recordUpload(424242, { key: 'k4', size: 1, sha256: SHA }), undefined);
    }),
  );

  test(
    'the disk format: detected by each upload unless set by the uploader, until null gives it back; sizes exact past 4 GiB; a clone keeps them',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const image = await addImage(metadata, bob, 'w.img', { minDisk: 40, minRam: 4096 });
      const detected = await metadata.images.recordUpload(image.id, { key: 'k1', size: 9, sha256: SHA, detected: { diskFormat: 'qcow2', virtualSize: FIVE_GB } });
      assert.deepEqual([detected?.diskFormat, detected?.virtualSize, detected?.minDisk, detected?.minRam], ['qcow2', FIVE_GB, 40, 4096]);
      assert.equal(typeof detected?.virtualSize, 'number');
      const plain = await metadata.images.recordUpload(image.id, { key: 'k2', size: 9, sha256: SHA });
      assert.deepEqual([plain?.diskFormat, plain?.virtualSize], ['qcow2', FIVE_GB], 'an upload without detection leaves them');
      const set = await metadata.images.update(image.id, { diskFormat: 'vmdk', minRam: 0 });
      assert.deepEqual([set?.diskFormat, set?.minDisk, set?.minRam], ['vmdk', 40, 0]);
      const kept = await metadata.images.recordUpload(image.id, { key: 'k3', size: 9, sha256: SHA, detected: { diskFormat: 'raw', virtualSize: 9 } });
      assert.deepEqual([kept?.diskFormat, kept?.virtualSize], ['vmdk', 9], 'the uploader\'s format wins; the virtual size is the bytes\'');
      assert.equal((await metadata.images.update(image.id, { diskFormat: null }))?.diskFormat, 'vmdk', 'given back to detection, kept until the next upload');
      const again = await metadata.images.recordUpload(image.id, { key: 'k4', size: 9, sha256: SHA, detected: { diskFormat: 'raw', virtualSize: 9 } });
      assert.equal(again?.diskFormat, 'raw');
      const content = { blobKey: 'k4', size: 9, checksum: SHA, uploaded: new Date().toISOString(), version: 1, diskFormat: 'vhdx' as const, virtualSize: FIVE_GB };
      const clone = await addImage(metadata, bob, 'clone.img', { content, minDisk: 3 });
      assert.deepEqual([clone.diskFormat, clone.virtualSize, clone.minDisk, clone.minRam], ['vhdx', FIVE_GB, 3, 0]);
    }),
  );

  test(
    'deleting an image removes its shares and leaves the blob key to the sweeper',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      const team = await metadata.groups.create({ name: 'team' }, [], []);
      const image = await addImage(metadata, bob, 'sl6.img', { content: { blobKey: 'k1', size: 1, checksum: SHA, uploaded: new Date().toISOString(), version: 1 } });
      await metadata.images.shareWithUser(image.id, pam.id);
      await metadata.images.shareWithGroup(image.id, team.id);
      assert.equal(await metadata.images.delete(image.id), true);
      const counts = await tableCounts(metadata.db);
      assert.deepEqual([counts.images, counts.image_user_shares, counts.image_group_shares], [0, 0, 0]);
      assert.equal(await metadata.images.isBlobReferenced('k1'), false);
      assert.equal(await metadata.images.delete(image.id), false);
    }),
  );

  test(
    'shares are idempotent, listed by name, seen directly and through groups; unsharing says whether there was one',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      const cy = await addUser(metadata, 'cy');
      const team = await metadata.groups.create({ name: 'team' }, [cy.id], []);
      const crew = await metadata.groups.create({ name: 'crew' }, [], []);
      const image = await addImage(metadata, bob, 'sl6.img');
      const bare = await addImage(metadata, bob, 'bare.img');
      for (let i = 0; i < 2; i++) {
        await metadata.images.shareWithUser(image.id, pam.id);
        await metadata.images.shareWithUser(image.id, cy.id);
        await metadata.images.shareWithGroup(image.id, team.id);
        await metadata.images.shareWithGroup(image.id, crew.id);
      }
      const shares = await metadata.images.sharesOf([image.id, bare.id]);
      assert.deepEqual(shares.get(image.id), { users: ['cy', 'pam'], groups: ['crew', 'team'] });
      assert.deepEqual(shares.get(bare.id), { users: [], groups: [] });
      assert.deepEqual(await metadata.images.sharesOf([]), new Map());
      assert.equal(await metadata.images.isSharedWith(image.id, pam.id), true);
      assert.equal(await metadata.images.unshareWithUser(image.id, cy.id), true);
      assert.equal(await metadata.images.isSharedWith(image.id, cy.id), true, 'still through team');
      assert.equal(await metadata.images.unshareWithGroup(image.id, team.id), true);
      assert.equal(await metadata.images.isSharedWith(image.id, cy.id), false);
      assert.equal(await metadata.images.isSharedWith(image.id, bob.id), false, 'the owner is not a sharee');
      assert.equal(await metadata.images.unshareWithUser(image.id, cy.id), false);
      assert.equal(await metadata.images.unshareWithGroup(image.id, team.id), false);
    }),
  );

  test(
    'sharing an image that is gone, or with a user or group that is gone, throws MissingReference and writes nothing',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const team = await metadata.groups.create({ name: 'team' }, [], []);
      const image = await addImage(metadata, bob, 'sl6.img');
      const before = await tableCounts(metadata.db);
      await assert.rejects(metadata.images.shareWithUser(424242, bob.id), MissingReference);
      await assert.rejects(metadata.images.shareWithUser(image.id, 424242), MissingReference);
      await assert.rejects(metadata.images.shareWithGroup(424242, team.id), MissingReference);
      await assert.rejects(metadata.images.shareWithGroup(image.id, 424242), MissingReference);
      assert.deepEqual(await tableCounts(metadata.db), before);
    }),
  );

  test(
    'the sweeper sees every blob key some row names, shared keys until the last row goes',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const content = (blobKey: string) => ({ content: { blobKey, size: 1, checksum: SHA, uploaded: new Date().toISOString(), version: 1 } });
      const a = await addImage(metadata, bob, 'a.img', content('k1'));
      const b = await addImage(metadata, bob, 'b.img', content('k1'));
      await addImage(metadata, bob, 'c.img', content('k2'));
      await addImage(metadata, bob, 'empty.img');
      assert.deepEqual([...(await metadata.images.referencedBlobKeys())].sort(), ['k1', 'k2']);
      await metadata.images.delete(a.id);
      assert.equal(await metadata.images.isBlobReferenced('k1'), true);
      await metadata.images.delete(b.id);
      assert.equal(await metadata.images.isBlobReferenced('k1'), false);
      assert.equal(await metadata.images.isBlobReferenced('k2'), true);
      assert.deepEqual([...(await metadata.images.referencedBlobKeys())], ['k2']);
    }),
  );
}
