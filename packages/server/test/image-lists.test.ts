// HEPiX image lists in-process (SPEC §3): the sha512 of a listed image is computed in the
// background, never at upload, and the list's record says the image waits for it; bad input
// (an image the list's owner cannot read, a group the owner is not in, a malformed image name,
// an unknown list) answers 4xx and changes nothing; and the signed document is signed again
// only when what it says changed or a quarter of its lifetime is left, with a version that only
// increases (the service with a stand-in signer and clock); a private image is named by a
// download link pinned to the listed version, reused, rotated and revoked as the list is signed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ImageListRecord } from '@repoman/api';
import { imageListLinks } from '../src/http/image-list-links.js';
import { resolveCaller } from '../src/services/caller.js';
import { createDownloadLinkService } from '../src/services/download-links.js';
import { createImageListService } from '../src/services/image-list-service.js';
import { AWAITING_SHA512 } from '../src/services/image-list-members.js';
import type { BlobStore } from '../src/storage/index.js';
import { createWithBytes, putBytes } from './helpers/image-helpers.js';
import { ADMIN_DN, createTestApp, errorOf, type TestApp } from './helpers/test-app.js';
import { waitFor } from './helpers/test-files.js';

const BOB = '/DC=org/DC=repoman-test/OU=People/CN=Bob';
const PAM = '/DC=org/DC=repoman-test/OU=People/CN=Pam';
const sha512 = (bytes: string) => createHash('sha512').update(bytes).digest('hex');

/** A blob store whose reads wait until `open()` (to see what happens before the sha512 is known). */
function gatedReads(blobs: BlobStore): { blobs: BlobStore; open: () => void; reads: () => number } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let reads = 0;
  const read: BlobStore['read'] = async (key, range) => {
    reads += 1;
    await opened;
    return blobs.read(key, range);
  };
  const gated = new Proxy(blobs, {
    get: (target, property) => {
      if (property === 'read') return read;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { blobs: gated, open, reads: () => reads };
}

describe('image lists in-process', () => {
  let t: TestApp;
  let gate: ReturnType<typeof gatedReads>;
  before(async () => {
    t = await createTestApp({
      wrapBlobs: (blobs) => (gate = gatedReads(blobs)).blobs,
      // The block lists of delta re-saves are read in the background too; these tests count the sha512 worker's reads only.
      wrapMetadata: (metadata) => ({ ...metadata, blobBlocks: { ...metadata.blobBlocks, awaiting: async () => [] } }),
    });
    await t.addUser('bob', BOB);
    await t.addUser('pam', PAM);
    await t.request('POST', '/api/groups', { dn: ADMIN_DN, json: { name: 'atlas', users: ['pam'] } });
    await createWithBytes(t, BOB, 'bob', 'public.img', 'public bytes', { unauthenticated_access: true });
    await createWithBytes(t, PAM, 'pam', 'secret.img', 'secret bytes');
  });
  after(async () => {
    gate?.open();
    await t?.close();
  });

  const get = async (path = '/api/imagelists/bob/fedcloud'): Promise<ImageListRecord> => {
    const response = await t.request('GET', path, { dn: BOB });
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  };
  const members = () => t.metadata.db.selectFrom('image_list_members').selectAll().execute();

  it('the sha512 is computed in the background once the image joins a list, not at upload; until then the record says the image waits for it', async () => {
    assert.equal(gate.reads(), 0, 'the upload read nothing back');
    assert.deepEqual(await t.metadata.db.selectFrom('blob_sha512').selectAll().execute(), []);
    const created = await t.request('POST', '/api/imagelists', { dn: BOB, json: { name: 'fedcloud', images: ['bob/public.img'] } });
    assert.equal(created.statusCode, 201, created.body);
    const waiting = (await get()).images[0];
    assert.deepEqual([waiting?.published, waiting?.sha512, waiting?.reason], [false, null, AWAITING_SHA512]);
    gate.open();
    await waitFor('the sha512', async () => (await get()).images[0]?.published === true);
    assert.equal((await get()).images[0]?.sha512, sha512('public bytes'));
    assert.equal(gate.reads(), 1, 'read once');
  });

  it('an image the list owner cannot read is 404 and leaves the list as it was, also when an admin asks', async () => {
    const before = await members();
    for (const dn of [BOB, ADMIN_DN]) {
      const refused = await t.request('PATCH', '/api/imagelists/bob/fedcloud', { dn, json: { title: 'changed', images: ['pam/secret.img'] } });
      assert.equal(refused.statusCode, 404, refused.body);
      assert.equal(errorOf(refused).code, 'IMAGE_NOT_FOUND');
      assert.match(errorOf(refused).message, /pam\/secret\.img/);
    }
    assert.deepEqual(await members(), before);
    assert.equal((await get()).title, 'fedcloud');
  });

  it('a group the owner is not in is 403, an unknown one 404, a malformed image name 400; nothing is created', async () => {
    const forbidden = await t.request('POST', '/api/imagelists', { dn: BOB, json: { name: 'atlas-list', group: 'atlas' } });
    assert.equal(forbidden.statusCode, 403, forbidden.body);
    assert.match(errorOf(forbidden).message, /bob is not a member of atlas/);
    const unknown = await t.request('POST', '/api/imagelists', { dn: BOB, json: { name: 'atlas-list', group: 'nosuch' } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(errorOf(unknown).code, 'GROUP_NOT_FOUND');
    const malformed = await t.request('POST', '/api/imagelists', { dn: BOB, json: { name: 'atlas-list', images: ['public.img'] } });
    assert.equal(malformed.statusCode, 400, malformed.body);
    assert.equal((await t.request('GET', '/api/imagelists/bob/atlas-list', { dn: BOB })).statusCode, 404);
    assert.equal((await t.request('POST', '/api/imagelists', { dn: PAM, json: { name: 'atlas-list', group: 'atlas' } })).statusCode, 201);
  });

  it('a list name already taken is 409; another user\'s list is 404 to others', async () => {
    const taken = await t.request('POST', '/api/imagelists', { dn: BOB, json: { name: 'fedcloud' } });
    assert.equal(taken.statusCode, 409);
    assert.equal((await t.request('GET', '/api/imagelists/bob/fedcloud', { dn: PAM })).statusCode, 404);
    assert.equal((await t.request('DELETE', '/api/imagelists/bob/fedcloud', { dn: PAM })).statusCode, 404);
    assert.equal((await t.request('GET', '/api/imagelists/bob/fedcloud')).statusCode, 401);
  });

  it('image.list of an unknown list is 404 to anyone; without a host key to sign with it is 503, not 500', async () => {
    const unknown = await t.request('GET', '/api/imagelists/bob/nosuch/image.list');
    assert.equal(unknown.statusCode, 404);
    assert.equal(errorOf(unknown).code, 'IMAGE_LIST_NOT_FOUND');
    const unsigned = await t.request('GET', '/api/imagelists/bob/fedcloud/image.list');
    assert.equal(unsigned.statusCode, 503, unsigned.body);
    assert.match(errorOf(unsigned).message, /no host certificate/);
  });
});

describe('when an image list is signed again', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await t.addUser('bob', BOB);
    await createWithBytes(t, BOB, 'bob', 'public.img', 'public bytes', { unauthenticated_access: true });
  });
  after(async () => {
    await t?.close();
  });

  it('only when it changed or a quarter of its lifetime is left; hv:version only increases, dc:identifier stays', async () => {
    let clock = new Date('2026-12-07T10:00:00.000Z');
    const signed: string[] = [];
    const signer = { dn: '/CN=host', ca: '/CN=CA', warning: null, sign: async (text: string) => (signed.push(text), `signed:${text}`) };
    const service = createImageListService(t.metadata, { signer, checksums: { wake: () => {} }, links: createDownloadLinkService(t.metadata, { maxLinkSeconds: 3600 }), expiryDays: 28, now: () => clock });
    const bob = await resolveCaller(t.metadata, { dn: BOB, limited: false }, { plainHttp: false });
    const links = imageListLinks({ https: 'https://repo.example:8443', http: null });
    const list = JSON.parse((await service.create(bob, { name: 'fedcloud', images: [] }, links)).list.published?.document.slice(7) ?? '{}');
    const first = list['hv:imagelist'];
    assert.equal(first['dc:date:expires'], '2027-01-04T10:00:00Z');
    assert.equal(first['hv:version'], '20261207100000');

    const again = await service.signed('bob', 'fedcloud', links);
    assert.equal(signed.length, 1, 'unchanged: served as stored');
    assert.equal(again.version, 20261207100000);

    await service.modify(bob, 'bob', 'fedcloud', { title: 'FedCloud' }, links);
    assert.equal(signed.length, 2, 'changed: signed again');
    const second = JSON.parse(signed[1]!)['hv:imagelist'];
    assert.equal(second['hv:version'], '20261207100001', 'same second: still higher');
    assert.equal(second['dc:identifier'], first['dc:identifier']);

    clock = new Date('2026-12-27T10:00:00.000Z'); // 8 days left of 28: more than a quarter
    await service.signed('bob', 'fedcloud', links);
    assert.equal(signed.length, 2);
    clock = new Date('2026-12-29T10:00:00.000Z'); // 6 days left: less than a quarter
    const renewed = await service.signed('bob', 'fedcloud', links);
    assert.equal(signed.length, 3);
    assert.equal(renewed.expires, '2027-01-26T10:00:00.000Z');
    assert.equal(JSON.parse(signed[2]!)['hv:imagelist']['dc:identifier'], first['dc:identifier']);
  });
});

describe("a private image's download link in a signed list", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await t.addUser('bob', BOB);
    await createWithBytes(t, BOB, 'bob', 'private.img', 'version one');
  });
  after(async () => {
    await t?.close();
  });

  it('is pinned to the listed version, reused while it outlives the next document, made anew before it would not, replaced when revoked; the previous version stays listed until the new sha512 is known; deleting the list revokes its links', async () => {
    let clock = new Date('2026-12-07T10:00:00.000Z');
    const signed: string[] = [];
    const signer = { dn: '/CN=host', ca: '/CN=CA', warning: null, sign: async (text: string) => (signed.push(text), `signed:${text}`) };
    const linkService = createDownloadLinkService(t.metadata, { maxLinkSeconds: 3600 });
    const service = createImageListService(t.metadata, { signer, checksums: { wake: () => {} }, links: linkService, expiryDays: 28, now: () => clock });
    const bob = await resolveCaller(t.metadata, { dn: BOB, limited: false }, { plainHttp: false });
    const links = imageListLinks({ https: 'https://repo.example:8443', http: null });
    const image = (await t.metadata.images.find((await t.metadata.users.findByName('bob'))!.id, 'private.img'))!;
    const knowSha512 = async () => {
      const current = (await t.metadata.images.findById(image.id))!;
      await t.metadata.imageLists.recordSha512(current.blobKey!, 'f'.repeat(128));
    };
    /** The private image's entry in the document `signed(…)` serves now. */
    const entry = async () => {
      const document = (await service.signed('bob', 'fedcloud', links)).document.slice('signed:'.length);
      const list = JSON.parse(document)['hv:imagelist'];
      return { list, image: list['hv:images'][0]?.['hv:image'] as Record<string, string> | undefined };
    };
    const listLinks = async () => (await t.metadata.links.listLive(image.id, new Date(0))).filter((link) => link.createdBy === 'imagelist:bob/fedcloud');
    const opens = async (uri: string | undefined) => (await linkService.findLive(uri?.split('/').pop() ?? '')) !== undefined;

    await knowSha512();
    await service.create(bob, { name: 'fedcloud', images: ['bob/private.img'] }, links);
    const first = await entry();
    assert.match(first.image?.['hv:uri'] ?? '', /^https:\/\/repo\.example:8443\/api\/links\/[A-Za-z0-9_-]{43}$/);
    assert.equal(first.image?.['hv:version'], '1');
    const [made] = await listLinks();
    assert.equal(made?.version, 1, 'pinned to the listed version');
    assert.equal(made?.expires, '2027-01-11T10:00:00.000Z', 'the document expires 2027-01-04, the link a quarter of its lifetime later');
    assert.ok(!JSON.stringify(await t.metadata.db.selectFrom('download_links').selectAll().execute()).includes(first.image!['hv:uri']!.split('/').pop()!), 'the token is not stored');

    clock = new Date('2026-12-08T10:00:00.000Z');
    await service.modify(bob, 'bob', 'fedcloud', { title: 'FedCloud' }, links);
    assert.equal((await entry()).image?.['hv:uri'], first.image?.['hv:uri'], 're-signed a day later: the link outlives the new document, reused');
    assert.equal(signed.length, 2);

    clock = new Date('2026-12-29T10:00:00.000Z'); // 6 days left: re-signed, and the new document outlives the link
    const renewed = await entry();
    assert.equal(signed.length, 3);
    assert.notEqual(renewed.image?.['hv:uri'], first.image?.['hv:uri'], 'a new link');
    assert.ok(Date.parse((await listLinks())[0]!.expires) > Date.parse(renewed.list['dc:date:expires']));
    assert.ok(await opens(first.image?.['hv:uri']), 'the superseded link is left to expire');

    const current = (await listLinks()).find((link) => Date.parse(link.expires) > Date.parse('2027-01-26T00:00:00Z'))!;
    assert.ok(await t.metadata.links.revoke(image.id, current.id, new Date()));
    const replaced = await entry();
    assert.equal(signed.length, 4, 'a revoked link: signed again');
    assert.notEqual(replaced.image?.['hv:uri'], renewed.image?.['hv:uri']);
    assert.ok(await opens(replaced.image?.['hv:uri']));

    assert.equal((await putBytes(t, BOB, '/api/images/raw/private.img', 'version two')).statusCode, 200);
    const meanwhile = await entry();
    assert.equal(meanwhile.image?.['hv:version'], '1', 'the new sha512 is not known: the previous version stays listed');
    assert.equal(meanwhile.image?.['hv:uri'], replaced.image?.['hv:uri']);
    const record = await t.request('GET', '/api/imagelists/bob/fedcloud', { dn: BOB });
    assert.deepEqual((record.json() as ImageListRecord).images.map((listed) => [listed.version, listed.published]), [[1, true]], 'the record says which version is listed');
    await knowSha512();
    const moved = await entry();
    assert.equal(moved.image?.['hv:version'], '2');
    assert.equal((await linkService.findLive(moved.image!['hv:uri']!.split('/').pop()!))?.version, 2);

    await service.delete(bob, 'bob', 'fedcloud');
    assert.deepEqual(await Promise.all([first, renewed, replaced, moved].map((seen) => opens(seen.image?.['hv:uri']))), [false, false, false, false], "deleting the list revokes every link it made");
  });
});
