/**
 * Conformance: the image listing. Visibility (own, public, shared directly or through a
 * group), the owner / shared-with / group / public / OS / disk-format filters, case-insensitive text search with LIKE's
 * own characters taken literally, paging with the total of all pages, keyset paging (`after`)
 * that neither repeats nor skips an image while others are inserted and deleted, and one
 * order — owner name, then image name, byte by byte — on every engine and locale. A model of
 * these rules checks every viewer, filter and order of a larger world page by page (the store
 * compiles each shape of query once and reuses it with other values).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { ImageListPosition, ImageQuery, ImageRecord } from '../../src/metadata/image-store.js';
import type { UserRecord } from '../../src/metadata/metadata-store.js';
import { TOTAL_CACHE_MS, type OpenMetadata } from '../../src/metadata/open-metadata.js';
import { addImage, addUser, withDatabase, type MetadataBackend } from './harness.js';

/** Six images of bob, pam and cy; cy is in team. */
async function world(metadata: OpenMetadata) {
  const bob = await addUser(metadata, 'bob');
  const pam = await addUser(metadata, 'pam');
  const cy = await addUser(metadata, 'cy');
  const team = await metadata.groups.create({ name: 'team' }, [cy.id], []);
  await addImage(metadata, bob, 'alpha.img');
  await addImage(metadata, bob, 'Zeta.img', { unauthenticatedAccess: true });
  const forPam = await addImage(metadata, bob, 'shared-pam.img');
  await metadata.images.shareWithUser(forPam.id, pam.id);
  const forTeam = await addImage(metadata, bob, 'team.img', { description: 'For the TEAM' });
  await metadata.images.shareWithGroup(forTeam.id, team.id);
  await addImage(metadata, pam, 'pam.img', { description: 'Scientific Linux 50%_off' });
  await addImage(metadata, cy, 'cy.img');
  return { bob, pam, cy, team };
}

async function names(metadata: OpenMetadata, query: Partial<ImageQuery>): Promise<string[]> {
  const page = await metadata.images.list({ limit: 100, offset: 0, ...query });
  return page.images.map((image) => `${image.owner}/${image.name}`);
}

function positionOf(image: ImageRecord): ImageListPosition {
  return { owner: image.owner, name: image.name, id: image.id };
}

export function listingContracts(backend: MetadataBackend): void {
  test(
    'every image, ordered by owner then name in byte order (uppercase first), whatever the locale',
    withDatabase(backend, async ({ metadata }) => {
      await world(metadata);
      assert.deepEqual(await names(metadata, {}), ['bob/Zeta.img', 'bob/alpha.img', 'bob/shared-pam.img', 'bob/team.img', 'cy/cy.img', 'pam/pam.img']);
    }),
  );

  test(
    'readableBy: own images, public ones, and those shared directly or through a group',
    withDatabase(backend, async ({ metadata }) => {
      const { bob, pam, cy } = await world(metadata);
      assert.deepEqual(await names(metadata, { readableBy: pam.id }), ['bob/Zeta.img', 'bob/shared-pam.img', 'pam/pam.img']);
      assert.deepEqual(await names(metadata, { readableBy: cy.id }), ['bob/Zeta.img', 'bob/team.img', 'cy/cy.img']);
      assert.deepEqual(await names(metadata, { readableBy: cy.id, ownerId: bob.id }), ['bob/Zeta.img', 'bob/team.img']);
      assert.deepEqual(await names(metadata, { ownerId: pam.id }), ['pam/pam.img']);
    }),
  );

  test(
    'sharedWith: shared directly or through a group, never the own nor the merely public; sharedWithGroup',
    withDatabase(backend, async ({ metadata }) => {
      const { bob, pam, cy, team } = await world(metadata);
      assert.deepEqual(await names(metadata, { sharedWith: pam.id }), ['bob/shared-pam.img']);
      assert.deepEqual(await names(metadata, { sharedWith: cy.id }), ['bob/team.img']);
      assert.deepEqual(await names(metadata, { sharedWith: bob.id }), []);
      assert.deepEqual(await names(metadata, { sharedWithGroup: team.id }), ['bob/team.img']);
      assert.deepEqual(await names(metadata, { sharedWith: cy.id, readableBy: pam.id }), []);
    }),
  );

  test(
    'text matches name or description case-insensitively, with %, _ and \\ taken literally',
    withDatabase(backend, async ({ metadata }) => {
      await world(metadata);
      assert.deepEqual(await names(metadata, { text: 'ALPHA' }), ['bob/alpha.img']);
      assert.deepEqual(await names(metadata, { text: 'team' }), ['bob/team.img']);
      assert.deepEqual(await names(metadata, { text: 'linux' }), ['pam/pam.img']);
      assert.deepEqual(await names(metadata, { text: '50%' }), ['pam/pam.img']);
      assert.deepEqual(await names(metadata, { text: '%_' }), ['pam/pam.img']);
      assert.deepEqual(await names(metadata, { text: '_' }), ['pam/pam.img']);
      assert.deepEqual(await names(metadata, { text: '\\' }), []);
      assert.deepEqual(await names(metadata, { text: '' }), await names(metadata, {}));
    }),
  );

  test(
    'text search follows renames, new descriptions and deletions, takes quotes literally, and a substring index serves it (migration 0010)',
    withDatabase(backend, async ({ metadata }) => {
      const { bob, pam } = await world(metadata);
      const alpha = await metadata.images.find(bob.id, 'alpha.img');
      await metadata.images.update(alpha!.id, { name: 'omega.img', description: 'Say "CentOS" 7' });
      assert.deepEqual(await names(metadata, { text: 'alpha' }), []);
      assert.deepEqual(await names(metadata, { text: 'OMEGA' }), ['bob/omega.img']);
      assert.deepEqual(await names(metadata, { text: '"centos" 7' }), ['bob/omega.img']);
      assert.deepEqual(await names(metadata, { text: 'say "' }), ['bob/omega.img']);
      assert.deepEqual(await names(metadata, { text: 'ga.img', readableBy: pam.id }), []);
      await metadata.images.delete(alpha!.id);
      assert.deepEqual(await names(metadata, { text: 'omega' }), []);
      const page = await metadata.images.list({ limit: 1, offset: 0, text: '.img', readableBy: pam.id });
      assert.deepEqual([page.images.map((image) => image.name), page.total, page.more], [['Zeta.img'], 3, true]);

      // The index the dialect promises exists, and the planner can answer a substring with it.
      const plan = await metadata.db.transaction().execute(async (trx) => {
        if (metadata.dialect.substringIndex === 'fts5-trigram') {
          return sql<Record<string, unknown>>`explain query plan select rowid from images_search where images_search match '"lpha"'`.execute(trx);
        }
        await sql`set local enable_seqscan = off`.execute(trx);
        return sql<Record<string, unknown>>`explain select id from images where lower(name) like '%lpha%'`.execute(trx);
      });
      const text = JSON.stringify(plan.rows);
      assert.match(text, metadata.dialect.substringIndex === 'fts5-trigram' ? /VIRTUAL TABLE INDEX/ : /images_name_trgm_idx/);
    }),
  );

  test(
    'the total is kept while nothing is written through the stores, follows every such write at once, and any other within TOTAL_CACHE_MS',
    withDatabase(backend, async ({ metadata }) => {
      const { pam, cy, team } = await world(metadata);
      const total = async (): Promise<number> => (await metadata.images.list({ limit: 1, offset: 0, readableBy: pam.id })).total;
      const behindTheStores = (name: string, unauthenticated: 0 | 1) =>
        metadata.db.updateTable('images').set({ unauthenticated_access: unauthenticated }).where('name', '=', name).execute();
      assert.equal(await total(), 3);
      await behindTheStores('alpha.img', 1); // as another instance would
      assert.equal(await total(), 3);
      const extra = await addImage(metadata, cy, 'new.img', { unauthenticatedAccess: true });
      assert.equal(await total(), 5);
      await metadata.groups.addMember(team.id, pam.id);
      assert.equal(await total(), 6);
      await metadata.images.delete(extra.id);
      assert.equal(await total(), 5);
      await behindTheStores('alpha.img', 0);
      await new Promise((done) => setTimeout(done, TOTAL_CACHE_MS + 50));
      assert.equal(await total(), 4);
    }),
  );

  test(
    'publicOnly, os (os_type or os_variant, case-insensitive, whole value) and diskFormat narrow the listing',
    withDatabase(backend, async ({ metadata }) => {
      const { bob, pam } = await world(metadata);
      await addImage(metadata, pam, 'deb.qcow2', { osType: 'Linux', osVariant: 'Debian12', diskFormat: 'qcow2', unauthenticatedAccess: true });
      await addImage(metadata, pam, 'win.vhdx', { osType: 'windows', diskFormat: 'vhdx' });
      assert.deepEqual(await names(metadata, { publicOnly: true }), ['bob/Zeta.img', 'pam/deb.qcow2']);
      assert.deepEqual(await names(metadata, { publicOnly: true, ownerId: bob.id }), ['bob/Zeta.img']);
      assert.deepEqual(await names(metadata, { os: 'linux' }), ['pam/deb.qcow2']);
      assert.deepEqual(await names(metadata, { os: 'DEBIAN12' }), ['pam/deb.qcow2']);
      assert.deepEqual(await names(metadata, { os: 'lin' }), []);
      assert.deepEqual(await names(metadata, { diskFormat: 'vhdx' }), ['pam/win.vhdx']);
      assert.deepEqual(await names(metadata, { diskFormat: 'qcow2', os: 'windows' }), []);
    }),
  );

  test(
    'paging: limit and offset cut the ordered list, total counts every page',
    withDatabase(backend, async ({ metadata }) => {
      const { pam } = await world(metadata);
      const all = await names(metadata, {});
      const page = async (limit: number, offset: number, query: Partial<ImageQuery> = {}) => {
        const result = await metadata.images.list({ limit, offset, ...query });
        return [result.images.map((image) => `${image.owner}/${image.name}`), result.total];
      };
      assert.deepEqual(await page(2, 0), [all.slice(0, 2), 6]);
      assert.deepEqual(await page(2, 4), [all.slice(4), 6]);
      assert.deepEqual(await page(4, 3), [all.slice(3), 6]);
      assert.deepEqual(await page(2, 10), [[], 6]);
      assert.deepEqual(await page(1, 1, { readableBy: pam.id }), [['bob/shared-pam.img'], 3]);
      const total = (await metadata.images.list({ limit: 1, offset: 0 })).total;
      assert.equal(typeof total, 'number');
      assert.equal((await metadata.images.list({ limit: 6, offset: 0 })).more, false);
      assert.equal((await metadata.images.list({ limit: 5, offset: 0 })).more, true);
    }),
  );

  test(
    'keyset paging: pages after a position follow the order, and more says whether another follows',
    withDatabase(backend, async ({ metadata }) => {
      const { pam } = await world(metadata);
      const all = await names(metadata, {});
      const first = await metadata.images.list({ limit: 4, offset: 0 });
      const second = await metadata.images.list({ limit: 4, offset: 0, after: positionOf(first.images.at(-1)!) });
      assert.deepEqual([...first.images, ...second.images].map((image) => `${image.owner}/${image.name}`), all);
      assert.deepEqual([first.more, second.more, second.total], [true, false, 6]);
      // A position between rows (a deleted image's) works as well: "bob/b" sorts after bob/Zeta.img and bob/alpha.img.
      assert.deepEqual(await names(metadata, { after: { owner: 'bob', name: 'b', id: 0 } }), all.slice(2));
      assert.deepEqual(await names(metadata, { after: { owner: 'bob', name: 'b', id: 0 }, readableBy: pam.id }), ['bob/shared-pam.img', 'pam/pam.img']);
    }),
  );

  test(
    'keyset paging while images are inserted and deleted: no image twice, none that stayed is missed',
    withDatabase(backend, async ({ metadata }) => {
      const owners = [await addUser(metadata, 'ann'), await addUser(metadata, 'max'), await addUser(metadata, 'zoe')];
      const kept = new Set<string>();
      const deletable: ImageRecord[] = [];
      for (let i = 0; i < 30; i++) {
        const image = await addImage(metadata, owners[i % 3]!, `img-${String(i).padStart(2, '0')}.img`);
        if (i % 5 === 4) deletable.push(image);
        else kept.add(`${image.owner}/${image.name}`);
      }
      const seen: string[] = [];
      let after: ImageListPosition | undefined;
      for (let round = 0; ; round++) {
        const page = await metadata.images.list({ limit: 7, offset: 0, ...(after && { after }) });
        seen.push(...page.images.map((image) => `${image.owner}/${image.name}`));
        if (!page.more) break;
        after = positionOf(page.images.at(-1)!);
        // Meanwhile: new images before and after the position, and one not yet listed deleted.
        for (const owner of owners) await addImage(metadata, owner, `new-${round}.img`);
        const gone = deletable.shift();
        if (gone !== undefined) await metadata.images.delete(gone.id);
      }
      assert.equal(new Set(seen).size, seen.length, `no image twice: ${seen.join(' ')}`);
      for (const name of kept) assert.ok(seen.includes(name), `${name} is listed`);
      assert.deepEqual(seen, [...seen].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)))), 'in order');
    }),
  );
  test(
    'sorted by name, upload time or size, either way: keyset paging with the sort key gives every image once, ties by owner and name, byte order',
    withDatabase(backend, async ({ metadata }) => {
      const [ann, bob] = [await addUser(metadata, 'ann'), await addUser(metadata, 'bob')];
      const made: { ref: string; owner: string; name: string; size: number; uploaded: string }[] = [];
      for (const [i, name] of ['b.img', 'Zeta.img', 'a.img', 'c.img', 'alpha.img'].entries()) {
        for (const owner of [ann, bob]) {
          // Sizes and days repeat; empty images (no size, no time) sort as -1 and ''.
          const empty = (i + owner.id) % 4 === 0;
          const size = (i % 3) * 10;
          const uploaded = `2026-01-0${1 + (i % 2)}T00:00:00.000Z`;
          await addImage(metadata, owner, name, empty ? {} : { content: { blobKey: `k-${owner.name}-${name}`, size, checksum: 'b'.repeat(64), uploaded, version: 1 } });
          made.push({ ref: `${owner.name}/${name}`, owner: owner.name, name, size: empty ? -1 : size, uploaded: empty ? '' : uploaded });
        }
      }
      const compare = (x: string | number, y: string | number) => (typeof x === 'number' && typeof y === 'number' ? x - y : Buffer.compare(Buffer.from(String(x)), Buffer.from(String(y))));
      for (const key of ['name', 'uploaded', 'size'] as const) {
        for (const descending of [false, true]) {
          const keyOf = (row: (typeof made)[number]) => (key === 'name' ? row.name : row[key]);
          const expected = [...made].sort((a, b) => compare(keyOf(a), keyOf(b)) || compare(a.owner, b.owner) || compare(a.name, b.name)).map((row) => row.ref);
          if (descending) expected.reverse();
          const seen: string[] = [];
          let after: ImageListPosition | undefined;
          for (;;) {
            const page = await metadata.images.list({ limit: 3, offset: 0, sort: { key, descending }, ...(after && { after }) });
            seen.push(...page.images.map((image) => `${image.owner}/${image.name}`));
            if (!page.more) break;
            const last = page.images.at(-1)!;
            after = { ...positionOf(last), key: key === 'name' ? last.name : key === 'size' ? (last.size ?? -1) : (last.uploaded ?? '') };
          }
          assert.deepEqual(seen, expected, `sort ${descending ? '-' : ''}${key}`);
        }
      }
    }),
  );

  test(
    'every viewer, filter and order, page by page: the images and totals a model of the rules gives',
    withDatabase(backend, async ({ metadata }) => {
      const users: UserRecord[] = [];
      for (const name of ['ann', 'bob', 'cy', 'dee', 'eve']) users.push(await addUser(metadata, name));
      const [ann, bob, cy, dee, eve] = users as [UserRecord, UserRecord, UserRecord, UserRecord, UserRecord];
      const red = await metadata.groups.create({ name: 'red' }, [cy.id], []);
      const blue = await metadata.groups.create({ name: 'blue' }, [dee.id, ann.id], []);
      const green = await metadata.groups.create({ name: 'green' }, [], []);
      const memberOf = new Map<number, number[]>([[ann.id, [blue.id]], [cy.id, [red.id]], [dee.id, [blue.id]]]);
      interface Made { id: number; ownerId: number; owner: string; name: string; public: boolean; users: number[]; groups: number[]; text: string; format: string; size: number }
      const made: Made[] = [];
      for (let i = 0; i < 30; i++) {
        const owner = users[(i * 7) % users.length]!;
        const name = `${['a', 'B', 'c', 'Z'][i % 4]}-${String(i).padStart(2, '0')}.img`;
        const description = i % 3 === 0 ? `Rocky ${i}` : `Alma ${i}`;
        const format = i % 2 === 0 ? 'raw' : 'qcow2';
        const size = (i * 37) % 11;
        const image = await addImage(metadata, owner, name, {
          description, diskFormat: format, unauthenticatedAccess: i % 5 === 0,
          content: { blobKey: `k${i}`, size, checksum: 'c'.repeat(64), uploaded: '2026-01-01T00:00:00.000Z', version: 1 },
        });
        const shareUsers = users.filter((user, k) => (i + k) % 6 === 0 && user.id !== owner.id).map((user) => user.id);
        const shareGroups = [red, blue, green].filter((_, k) => (i + k) % 4 === 1).map((group) => group.id);
        for (const id of shareUsers) await metadata.images.shareWithUser(image.id, id);
        for (const id of shareGroups) await metadata.images.shareWithGroup(image.id, id);
        made.push({ id: image.id, ownerId: owner.id, owner: owner.name, name, public: i % 5 === 0, users: shareUsers, groups: shareGroups, text: `${name} ${description}`.toLowerCase(), format, size });
      }
      const sharedWith = (image: Made, viewer: number, via: readonly number[]) =>
        image.users.includes(viewer) || image.groups.some((group) => (memberOf.get(viewer) ?? []).includes(group) || via.includes(group));
      const matches = (image: Made, query: Partial<ImageQuery>) => {
        const via = query.viaGroups ?? [];
        if (query.readableBy !== undefined && !(image.ownerId === query.readableBy || image.public || sharedWith(image, query.readableBy, via))) return false;
        if (query.sharedWith !== undefined && (image.ownerId === query.sharedWith || !sharedWith(image, query.sharedWith, via))) return false;
        if (query.ownerId !== undefined && image.ownerId !== query.ownerId) return false;
        if (query.publicOnly === true && !image.public) return false;
        if (query.diskFormat !== undefined && image.format !== query.diskFormat) return false;
        return query.text === undefined || image.text.includes(query.text.toLowerCase());
      };
      const bytes = (x: string | number, y: string | number) => (typeof x === 'number' && typeof y === 'number' ? x - y : Buffer.compare(Buffer.from(String(x)), Buffer.from(String(y))));
      const filters: Partial<ImageQuery>[] = [{}, { publicOnly: true }, { diskFormat: 'qcow2' }, { text: 'ROCKY' }, { text: 'a-' }];
      for (const viewer of users) {
        filters.push({ readableBy: viewer.id }, { readableBy: viewer.id, viaGroups: [green.id] }, { readableBy: viewer.id, viaGroups: [green.id, red.id] });
        filters.push({ readableBy: viewer.id, text: 'rocky' }, { readableBy: viewer.id, ownerId: bob.id }, { readableBy: viewer.id, diskFormat: 'raw', publicOnly: true });
        filters.push({ sharedWith: viewer.id }, { sharedWith: viewer.id, viaGroups: [red.id], readableBy: eve.id });
      }
      for (const query of filters) {
        for (const sort of [undefined, { key: 'size' as const, descending: true }, { key: 'name' as const, descending: false }]) {
          const keyOf = (image: Made) => (sort === undefined ? '' : sort.key === 'size' ? image.size : image.name);
          const expected = made.filter((image) => matches(image, query))
            .sort((a, b) => bytes(keyOf(a), keyOf(b)) || bytes(a.owner, b.owner) || bytes(a.name, b.name) || a.id - b.id);
          if (sort?.descending === true) expected.reverse();
          const seen: string[] = [];
          let after: ImageListPosition | undefined;
          for (;;) {
            const page = await metadata.images.list({ limit: 4, offset: 0, ...query, ...(sort && { sort }), ...(after && { after }) });
            assert.equal(page.total, expected.length, `total of ${JSON.stringify(query)}`);
            seen.push(...page.images.map((image) => `${image.owner}/${image.name}`));
            if (!page.more) break;
            const last = page.images.at(-1)!;
            after = { ...positionOf(last), ...(sort && { key: sort.key === 'size' ? (last.size ?? -1) : last.name }) };
          }
          assert.deepEqual(seen, expected.map((image) => `${image.owner}/${image.name}`), `${JSON.stringify(query)} sorted ${JSON.stringify(sort)}`);
        }
      }
    }),
  );
}
