/**
 * Conformance under concurrency, images: two instances on one database race, ROUNDS times
 * each, to create the same image, to upload to the same image (each upload counts once and
 * answers its own version), and to share an image while the image, the sharee user or the
 * sharee group is deleted. Every outcome is what the API promises (201/200, 409 or 404, never
 * a 500), and no share row is left naming a deleted row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addImage, addUser, danglingRows, tableCounts, withDatabase, type MetadataBackend } from './harness.js';
import { outcome, race, ROUNDS, twoInstances } from './race-harness.js';

const SHA = 'b'.repeat(64);

export function imageRaces(backend: MetadataBackend): void {
  test(
    'two instances creating the same image: one creates it, the other answers 409',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      for (let round = 0; round < ROUNDS; round++) {
        const input = { name: `img${round}.img` };
        assert.deepEqual(await race(a.images.create(admin, input), b.images.create(admin, input)), ['CONFLICT', 'ok'], `round ${round}`);
      }
      assert.equal((await tableCounts(a.metadata.db)).images, ROUNDS);
    }),
  );

  test(
    'concurrent uploads on two instances each count once and each answers its own version',
    withDatabase(backend, async (database) => {
      const { a, b } = await twoInstances(database);
      const owner = await addUser(a.metadata, 'bob');
      const image = await addImage(a.metadata, owner, 'busy.img');
      const versions: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const uploads = await Promise.all(
          [a, b, a, b].map((instance, i) => instance.metadata.images.recordUpload(image.id, { key: `k${round}-${i}`, size: i, sha256: SHA })),
        );
        for (const record of uploads) {
          assert.ok(record);
          assert.equal(record.blobKey, `k${round}-${record.size}`, 'the record answered is the one this upload made');
          versions.push(record.version);
        }
      }
      assert.deepEqual(versions.sort((x, y) => x - y), Array.from({ length: 4 * ROUNDS }, (_, i) => i + 1));
      assert.equal((await b.metadata.images.findById(image.id))?.version, 4 * ROUNDS);
    }),
  );

  test(
    'sharing an image while another instance deletes it: 200 or 404, no share row left',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      const pam = await addUser(a.metadata, 'pam');
      const team = await a.metadata.groups.create({ name: 'team' }, [pam.id], []);
      for (let round = 0; round < ROUNDS; round++) {
        const name = `img${round}.img`;
        await a.images.create(admin, { name });
        const target = round % 2 === 0 ? ({ kind: 'user', name: 'pam' } as const) : ({ kind: 'group', name: team.name } as const);
        const [shared, deleted] = await Promise.all([outcome(a.sharing.share(admin, { name }, target)), outcome(b.images.delete(admin, { name }))]);
        assert.equal(deleted, 'ok');
        assert.ok(['ok', 'IMAGE_NOT_FOUND'].includes(shared), shared);
      }
      const counts = await tableCounts(a.metadata.db);
      assert.deepEqual([counts.images, counts.image_user_shares, counts.image_group_shares], [0, 0, 0]);
      assert.deepEqual(await danglingRows(a.metadata.db), []);
    }),
  );

  test(
    'sharing with a user or a group while another instance deletes it: 200 or 404, no share row left',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      await a.images.create(admin, { name: 'sl6.img' });
      for (let round = 0; round < ROUNDS; round++) {
        await addUser(a.metadata, `u${round}`);
        await a.groups.create(admin, { name: `g${round}` });
        const [toUser, userGone] = await Promise.all([
          outcome(a.sharing.share(admin, { name: 'sl6.img' }, { kind: 'user', name: `u${round}` })),
          outcome(b.users.delete(admin, `u${round}`)),
        ]);
        assert.equal(userGone, 'ok');
        assert.ok(['ok', 'USER_NOT_FOUND'].includes(toUser), toUser);
        const [toGroup, groupGone] = await Promise.all([
          outcome(a.sharing.share(admin, { name: 'sl6.img' }, { kind: 'group', name: `g${round}` })),
          outcome(b.groups.delete(admin, `g${round}`)),
        ]);
        assert.equal(groupGone, 'ok');
        assert.ok(['ok', 'GROUP_NOT_FOUND'].includes(toGroup), toGroup);
      }
      const counts = await tableCounts(a.metadata.db);
      assert.deepEqual([counts.image_user_shares, counts.image_group_shares], [0, 0]);
      assert.deepEqual(await danglingRows(a.metadata.db), []);
    }),
  );
}
