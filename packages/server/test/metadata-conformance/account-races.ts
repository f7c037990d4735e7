/**
 * Conformance under concurrency, accounts: two instances on one database race, ROUNDS times
 * each, to create the same user, add the same member, add a member while the group or the user
 * is deleted, create a user in a group being deleted, take the last two admins out of admins,
 * and apply the same `[admin] dns` at start. Every outcome is what the API promises (201/200,
 * 409 or 404, never a 500), and no row is left naming a deleted one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UniqueViolation } from '../../src/metadata/store-errors.js';
import { applyAdminDns } from '../../src/services/admin-bootstrap.js';
import { addUser, danglingRows, groupId, withDatabase, type MetadataBackend } from './harness.js';
import { outcome, race, ROUNDS, twoInstances } from './race-harness.js';

export function accountRaces(backend: MetadataBackend): void {
  test(
    'two instances creating the same user: one creates it, the other answers 409',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      for (let round = 0; round < ROUNDS; round++) {
        const input = { user_name: `u${round}`, client_dn: `/O=Grid/CN=u${round}` };
        assert.deepEqual(await race(a.users.create(admin, input), b.users.create(admin, input)), ['CONFLICT', 'ok'], `round ${round}`);
        const stores = await Promise.allSettled([
          a.metadata.users.create({ name: `s${round}`, clientDn: `/CN=s${round}` }, []),
          b.metadata.users.create({ name: `s${round}`, clientDn: `/CN=s${round}` }, []),
        ]);
        assert.equal(stores.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of stores) if (r.status === 'rejected') assert.ok(r.reason instanceof UniqueViolation, String(r.reason));
      }
      assert.equal((await a.metadata.users.list()).length, 1 + 2 * ROUNDS);
      assert.deepEqual(await danglingRows(a.metadata.db), []);
    }),
  );

  test(
    'two instances adding the same member or granting the same permission at once both succeed, once',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      for (let round = 0; round < ROUNDS; round++) {
        await addUser(a.metadata, `u${round}`);
        await a.groups.create(admin, { name: `g${round}` });
        assert.deepEqual(await race(a.groups.addMember(admin, `g${round}`, `u${round}`), b.groups.addMember(admin, `g${round}`, `u${round}`)), ['ok', 'ok']);
        assert.deepEqual(await race(a.groups.grant(admin, `g${round}`, 'image_modify'), b.groups.grant(admin, `g${round}`, 'image_modify')), ['ok', 'ok']);
        const id = await groupId(a.metadata, `g${round}`);
        assert.deepEqual(await a.metadata.groups.memberNames(id), [`u${round}`]);
        assert.deepEqual(await a.metadata.groups.permissionsOf(id), ['image_modify']);
      }
    }),
  );

  test(
    'adding a member while another instance deletes the group or the user: 200 or 404, no membership left behind',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      for (let round = 0; round < ROUNDS; round++) {
        await addUser(a.metadata, `u${round}`);
        await addUser(a.metadata, `v${round}`);
        await a.groups.create(admin, { name: `g${round}` });
        await a.groups.create(admin, { name: `h${round}` });
        const [added, deleted] = await Promise.all([outcome(a.groups.addMember(admin, `g${round}`, `u${round}`)), outcome(b.groups.delete(admin, `g${round}`))]);
        assert.equal(deleted, 'ok');
        assert.ok(['ok', 'GROUP_NOT_FOUND'].includes(added), added);
        const [joined, gone] = await Promise.all([outcome(a.groups.addMember(admin, `h${round}`, `v${round}`)), outcome(b.users.delete(admin, `v${round}`))]);
        assert.equal(gone, 'ok');
        assert.ok(['ok', 'USER_NOT_FOUND'].includes(joined), joined);
        assert.deepEqual(await a.metadata.groups.memberNames(await groupId(a.metadata, `h${round}`)), []);
      }
      assert.deepEqual(await danglingRows(a.metadata.db), []);
    }),
  );

  test(
    'creating a user in a group while another instance deletes the group: 201 or 404, nothing half-written',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      for (let round = 0; round < ROUNDS; round++) {
        await a.groups.create(admin, { name: `g${round}` });
        const input = { user_name: `u${round}`, client_dn: `/O=Grid/CN=u${round}`, groups: [`g${round}`] };
        const [created, deleted] = await Promise.all([outcome(a.users.create(admin, input)), outcome(b.groups.delete(admin, `g${round}`))]);
        assert.equal(deleted, 'ok');
        assert.ok(['ok', 'GROUP_NOT_FOUND'].includes(created), created);
        const user = await a.metadata.users.findByName(`u${round}`);
        assert.equal(user !== undefined, created === 'ok', 'the user exists exactly when its creation succeeded');
      }
      assert.deepEqual(await danglingRows(a.metadata.db), []);
    }),
  );

  test(
    'two instances removing or deleting the last two admins: one succeeds, the other answers 409',
    withDatabase(backend, async (database) => {
      const { a, b, admin } = await twoInstances(database);
      const admins = await groupId(a.metadata, 'admins');
      const ways = [
        (x: string, y: string) => race(a.groups.removeMember(admin, 'admins', x), b.groups.removeMember(admin, 'admins', y)),
        (x: string, y: string) => race(a.users.delete(admin, x), b.users.delete(admin, y)),
        (x: string, y: string) => race(a.groups.removeMember(admin, 'admins', x), b.users.delete(admin, y)),
      ];
      for (let round = 0; round < ROUNDS; round++) {
        const [x, y] = [`x${round}`, `y${round}`];
        await addUser(a.metadata, x, [admins]);
        await addUser(a.metadata, y, [admins]);
        for (const member of await a.metadata.groups.memberNames(admins)) {
          if (member !== x && member !== y) await a.groups.removeMember(admin, 'admins', member);
        }
        assert.deepEqual(await ways[round % ways.length]!(x, y), ['CONFLICT', 'ok'], `round ${round}`);
        assert.equal((await a.metadata.groups.memberNames(admins)).length, 1, 'admins keeps one member');
      }
    }),
  );

  test(
    'two instances applying the same [admin] dns at start both succeed and register each DN once',
    withDatabase(backend, async (database) => {
      const { a, b } = await twoInstances(database);
      for (let round = 0; round < ROUNDS; round++) {
        const dns = [`/O=Grid/CN=Doug Fir ${round}`, `/O=Grid/CN=Elm ${round}`];
        const [first, second] = await Promise.all([applyAdminDns(a.metadata, dns), applyAdminDns(b.metadata, dns)]);
        assert.deepEqual(first.map((r) => r.user.id), second.map((r) => r.user.id));
        for (const dn of dns) assert.ok(await a.metadata.users.findByDn(dn));
      }
      assert.equal((await a.metadata.users.list()).length, 1 + 2 * ROUNDS);
      assert.equal((await a.metadata.groups.memberNames(await groupId(a.metadata, 'admins'))).length, 1 + 2 * ROUNDS);
    }),
  );
}
