/**
 * Conformance: the UserStore contract. A new user joins `users` (and the given groups) in one
 * transaction; names and DNs are unique and a refused create writes nothing; lookups are
 * exact; lists sort byte by byte on every engine; updates bump `modified` and keep booleans
 * booleans; deleting a user removes its memberships, images and shares (ON DELETE CASCADE)
 * and, when asked, refuses to remove a group's last member.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LastMember, MissingReference, UniqueViolation } from '../../src/metadata/store-errors.js';
import { addImage, addUser, danglingRows, groupId, tableCounts, withDatabase, type MetadataBackend } from './harness.js';

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function userContracts(backend: MetadataBackend): void {
  test(
    'a new user is a member of users and of the given groups, with its fields as given',
    withDatabase(backend, async ({ metadata }) => {
      const admins = await groupId(metadata, 'admins');
      const bob = await metadata.users.create({ name: 'bob', clientDn: '/O=Grid/CN=Bob', fullName: 'Bob Smith', email: 'bob@example.org' }, [admins, admins]);
      assert.equal(typeof bob.id, 'number');
      assert.deepEqual({ ...bob, id: 0, created: '', modified: '' }, {
        id: 0, name: 'bob', clientDn: '/O=Grid/CN=Bob', fullName: 'Bob Smith', email: 'bob@example.org', suspended: false, created: '', modified: '', quotaBytes: null, quotaImages: null,
      });
      assert.match(bob.created, ISO_UTC);
      assert.equal(bob.modified, bob.created);
      assert.deepEqual((await metadata.groups.groupNamesOf([bob.id])).get(bob.id), ['admins', 'users']);
      assert.deepEqual(await metadata.users.findByName('bob'), bob);
    }),
  );

  test(
    'names and DNs are unique; a refused create writes nothing',
    withDatabase(backend, async ({ metadata }) => {
      await addUser(metadata, 'bob');
      const before = await tableCounts(metadata.db);
      await assert.rejects(metadata.users.create({ name: 'bob', clientDn: '/O=Grid/CN=Other' }, []), UniqueViolation);
      await assert.rejects(metadata.users.create({ name: 'bobby', clientDn: '/O=Grid/CN=bob' }, []), UniqueViolation);
      assert.deepEqual(await tableCounts(metadata.db), before);
    }),
  );

  test(
    'creating a user in a group that is gone throws MissingReference and writes nothing',
    withDatabase(backend, async ({ metadata }) => {
      const before = await tableCounts(metadata.db);
      await assert.rejects(metadata.users.create({ name: 'bob', clientDn: '/O=Grid/CN=Bob' }, [424242]), MissingReference);
      assert.deepEqual(await tableCounts(metadata.db), before);
    }),
  );

  test(
    'lookups by name and DN are exact: no prefix, no case folding, no extra CN',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await metadata.users.create({ name: 'bob', clientDn: '/C=CA/O=Grid/CN=Bob Smith' }, []);
      assert.deepEqual(await metadata.users.findByDn('/C=CA/O=Grid/CN=Bob Smith'), bob);
      for (const dn of ['/C=CA/O=Grid/CN=bob smith', '/C=CA/O=Grid/CN=Bob Smith/CN=123', '/C=CA/O=Grid/CN=Bob', '/C=CA/O=Grid/CN=Bob Smith ']) {
        assert.equal(await metadata.users.findByDn(dn), undefined, dn);
      }
      assert.equal(await metadata.users.findByName('Bob'), undefined);
      assert.equal(await metadata.users.findByName('bo'), undefined);
    }),
  );

  test(
    'users are listed in byte order of their names, whatever the database locale',
    withDatabase(backend, async ({ metadata }) => {
      for (const name of ['ba', 'b_x', 'b-x', 'b1', 'a', 'bb']) await addUser(metadata, name);
      assert.deepEqual((await metadata.users.list()).map((u) => u.name), ['a', 'b-x', 'b1', 'b_x', 'ba', 'bb']);
    }),
  );

  test(
    'update changes the given fields, bumps modified, refuses a taken DN, and answers undefined when gone',
    withDatabase(backend, async ({ metadata }) => {
      const bob = await addUser(metadata, 'bob');
      await addUser(metadata, 'pam');
      await new Promise((resolve) => setTimeout(resolve, 5));
      const suspended = await metadata.users.update(bob.id, { suspended: true, email: 'b@x.org' });
      assert.equal(suspended?.suspended, true);
      assert.equal(suspended?.email, 'b@x.org');
      assert.equal(suspended?.fullName, bob.fullName);
      assert.ok(suspended.modified > bob.modified);
      assert.equal(suspended.created, bob.created);
      assert.equal((await metadata.users.update(bob.id, { suspended: false }))?.suspended, false);
      await assert.rejects(metadata.users.update(bob.id, { clientDn: '/O=Grid/CN=pam' }), UniqueViolation);
      assert.equal((await metadata.users.findByName('bob'))?.clientDn, '/O=Grid/CN=bob');
      assert.equal(await metadata.users.update(424242, { email: 'x' }), undefined);
    }),
  );

  test(
    'deleting a user deletes its memberships, its images with their shares, and the shares with it',
    withDatabase(backend, async ({ metadata }) => {
      const pam = await addUser(metadata, 'pam');
      const bob = await addUser(metadata, 'bob');
      const team = await metadata.groups.create({ name: 'team' }, [pam.id, bob.id], []);
      const pams = await addImage(metadata, pam, 'debian6.img.gz');
      const bobs = await addImage(metadata, bob, 'sl6.img');
      await metadata.images.shareWithUser(pams.id, bob.id);
      await metadata.images.shareWithGroup(pams.id, team.id);
      await metadata.images.shareWithUser(bobs.id, pam.id);
      assert.equal(await metadata.users.delete(pam.id), true);
      assert.equal(await metadata.images.findById(pams.id), undefined);
      assert.deepEqual(await metadata.groups.memberNames(team.id), ['bob']);
      assert.deepEqual((await metadata.images.sharesOf([bobs.id])).get(bobs.id), { users: [], groups: [] });
      const counts = await tableCounts(metadata.db);
      assert.deepEqual([counts.images, counts.image_user_shares, counts.image_group_shares], [1, 0, 0]);
      assert.deepEqual(await danglingRows(metadata.db), []);
      assert.equal(await metadata.users.delete(pam.id), false);
    }),
  );

  test(
    'delete with keepMemberIn refuses the last member of that group and deletes anyone else',
    withDatabase(backend, async ({ metadata }) => {
      const admins = await groupId(metadata, 'admins');
      const ada = await addUser(metadata, 'ada', [admins]);
      const bob = await addUser(metadata, 'bob');
      await assert.rejects(metadata.users.delete(ada.id, { keepMemberIn: admins }), LastMember);
      assert.ok(await metadata.users.findByName('ada'));
      assert.equal(await metadata.users.delete(bob.id, { keepMemberIn: admins }), true);
      const cy = await addUser(metadata, 'cy', [admins]);
      assert.equal(await metadata.users.delete(ada.id, { keepMemberIn: admins }), true);
      assert.deepEqual(await metadata.groups.memberNames(admins), [cy.name]);
      assert.equal(await metadata.users.delete(ada.id, { keepMemberIn: admins }), false);
    }),
  );
}
