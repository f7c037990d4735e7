/**
 * Conformance: the GroupStore contract. Groups are created with members and permissions in one
 * transaction (a taken name or a missing member writes nothing); renames are unique; member
 * and permission changes are idempotent, bump `modified` only when something changed, and
 * report groups or users that are gone; listings sort byte by byte; deleting a group removes
 * its memberships, permissions and shares.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LastMember, MissingReference, UniqueViolation } from '../../src/metadata/store-errors.js';
import { addImage, addUser, danglingRows, groupId, tableCounts, withDatabase, type MetadataBackend } from './harness.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

export function groupContracts(backend: MetadataBackend): void {
  test(
    'a group is created with its members and permissions; a taken name or a missing member writes nothing',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      const team = await metadata.groups.create({ name: 'team' }, [pam.id, bob.id, bob.id], ['image_modify', 'image_create', 'image_modify']);
      assert.equal(team.protected, false);
      assert.deepEqual(await metadata.groups.findByName('team'), team);
      assert.deepEqual(await metadata.groups.memberNames(team.id), ['bob', 'pam']);
      assert.deepEqual(await metadata.groups.permissionsOf(team.id), ['image_create', 'image_modify']);
      const before = await tableCounts(metadata.db);
      await assert.rejects(metadata.groups.create({ name: 'team' }, [bob.id], ['image_delete']), UniqueViolation);
      await assert.rejects(metadata.groups.create({ name: 'crew' }, [bob.id, 424242], ['image_delete']), MissingReference);
      assert.deepEqual(await tableCounts(metadata.db), before);
    }),
  );

  test(
    'groups are listed in byte order; rename is unique and answers undefined when gone',
    withDatabase(backend, async ({ metadata }) => {
      for (const name of ['team-b', 'team_a', 'team1']) await metadata.groups.create({ name }, [], []);
      assert.deepEqual((await metadata.groups.list()).map((g) => g.name), ['admins', 'team-b', 'team1', 'team_a', 'users']);
      const team1 = (await metadata.groups.findByName('team1'))!;
      await tick();
      const renamed = await metadata.groups.rename(team1.id, 'crew');
      assert.equal(renamed?.name, 'crew');
      assert.ok(renamed.modified > team1.modified);
      await assert.rejects(metadata.groups.rename(team1.id, 'team_a'), UniqueViolation);
      assert.equal(await metadata.groups.rename(424242, 'other'), undefined);
    }),
  );

  test(
    'addMember and grant are idempotent and bump modified only when something changes',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const team = await metadata.groups.create({ name: 'team' }, [], []);
      const modified = async () => (await metadata.groups.findByName('team'))!.modified;
      await tick();
      await metadata.groups.addMember(team.id, bob.id);
      const afterAdd = await modified();
      assert.ok(afterAdd > team.modified);
      await tick();
      await metadata.groups.addMember(team.id, bob.id);
      assert.equal(await modified(), afterAdd, 'a second add changes nothing');
      assert.deepEqual(await metadata.groups.memberNames(team.id), ['bob']);
      await metadata.groups.grant(team.id, 'image_modify');
      const afterGrant = await modified();
      await tick();
      await metadata.groups.grant(team.id, 'image_modify');
      assert.equal(await modified(), afterGrant);
      assert.deepEqual(await metadata.groups.permissionsOf(team.id), ['image_modify']);
    }),
  );

  test(
    'removeMember and revoke answer false when nothing was there, and leave modified alone then',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const team = await metadata.groups.create({ name: 'team' }, [bob.id], ['image_modify']);
      await tick();
      assert.equal(await metadata.groups.removeMember(team.id, bob.id), true);
      assert.equal(await metadata.groups.revoke(team.id, 'image_modify'), true);
      const modified = (await metadata.groups.findByName('team'))!.modified;
      assert.ok(modified > team.modified);
      await tick();
      assert.equal(await metadata.groups.removeMember(team.id, bob.id), false);
      assert.equal(await metadata.groups.revoke(team.id, 'image_modify'), false);
      assert.equal((await metadata.groups.findByName('team'))!.modified, modified);
      assert.equal(await metadata.groups.removeMember(424242, bob.id), false);
      assert.equal(await metadata.groups.revoke(424242, 'image_modify'), false);
    }),
  );

  test(
    'adding a member or a permission to a group that is gone, or a user that is gone, throws MissingReference',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const team = await metadata.groups.create({ name: 'team' }, [], []);
      await assert.rejects(metadata.groups.addMember(424242, bob.id), MissingReference);
      await assert.rejects(metadata.groups.addMember(team.id, 424242), MissingReference);
      await assert.rejects(metadata.groups.grant(424242, 'image_modify'), MissingReference);
      assert.deepEqual(await metadata.groups.memberNames(team.id), []);
    }),
  );

  test(
    'removeMember with keepLast refuses to remove the only member',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      const team = await metadata.groups.create({ name: 'team' }, [bob.id, pam.id], []);
      assert.equal(await metadata.groups.removeMember(team.id, bob.id, { keepLast: true }), true);
      await assert.rejects(metadata.groups.removeMember(team.id, pam.id, { keepLast: true }), LastMember);
      assert.equal(await metadata.groups.removeMember(team.id, bob.id, { keepLast: true }), false, 'not a member');
      assert.deepEqual(await metadata.groups.memberNames(team.id), ['pam']);
    }),
  );

  test(
    'groupNamesOf maps every given user, permissionsOfUser is the ordered union of its groups',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const pam = await addUser(metadata, 'pam');
      const team = await metadata.groups.create({ name: 'team' }, [bob.id], ['image_modify', 'image_create']);
      await metadata.groups.create({ name: 'crew' }, [bob.id], ['image_delete', 'image_modify']);
      await metadata.groups.removeMember(await groupId(metadata, 'users'), pam.id);
      const names = await metadata.groups.groupNamesOf([bob.id, pam.id, 424242]);
      assert.deepEqual([...names.entries()], [[bob.id, ['crew', 'team', 'users']], [pam.id, []], [424242, []]]);
      assert.deepEqual(await metadata.groups.groupNamesOf([]), new Map());
      assert.deepEqual(await metadata.groups.permissionsOfUser(bob.id), ['image_create', 'image_delete', 'image_modify']);
      assert.deepEqual(await metadata.groups.permissionsOfUser(pam.id), []);
      assert.deepEqual(await metadata.groups.memberNames(team.id), ['bob']);
    }),
  );

  test(
    'deleting a group removes its memberships, permissions and shares, and nothing else',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      const image = await addImage(metadata, bob, 'sl6.img');
      const before = await tableCounts(metadata.db);
      const team = await metadata.groups.create({ name: 'team' }, [bob.id], ['image_modify']);
      await metadata.images.shareWithGroup(image.id, team.id);
      assert.equal(await metadata.groups.delete(team.id), true);
      assert.equal(await metadata.groups.findByName('team'), undefined);
      assert.deepEqual((await metadata.groups.groupNamesOf([bob.id])).get(bob.id), ['users']);
      assert.deepEqual((await metadata.images.sharesOf([image.id])).get(image.id), { users: [], groups: [] });
      assert.ok(await metadata.images.findById(image.id));
      assert.deepEqual(await tableCounts(metadata.db), before);
      assert.deepEqual(await danglingRows(metadata.db), []);
      assert.equal(await metadata.groups.delete(team.id), false);
    }),
  );
}
