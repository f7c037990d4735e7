// The image list commands of the built `repoman` against the real repoman-server over TLS:
// create-imagelist (images as NAME or OWNER/NAME, --vo), describe-imagelist (why an image is
// left out), list-imagelists, modify-imagelist (images replaced, --no-images), remove-imagelist,
// and an image the list owner cannot read refused with exit 4.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImageListRecord } from '@repoman/api';
import { curl } from '../../../server/test/helpers/curl.js';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';

describe('repoman image list commands against a real server', () => {
  let s: ClientSite;
  let bob: Runner;
  let pam: Runner;
  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
    pam = s.as(s.pam);
    const file = join(s.site.dir, 'debian.img');
    await writeFile(file, randomBytes(64 * 1024));
    ok(await bob(['create-image', 'debian.img', '--public', '--file', file]));
    ok(await bob(['create-image', 'private.img', '--file', file]));
    ok(await pam(['create-image', 'secret.img', '--file', file]));
    ok(await bob(['create-image', 'slot.img']));
  });
  after(async () => {
    await s?.cleanup();
  });

  const ok = (result: RunResult): RunResult => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  const record = (result: RunResult): ImageListRecord => ok(result).json as ImageListRecord;

  it('create-imagelist publishes a list of images named NAME or OWNER/NAME, and prints the URL subscribers fetch', async () => {
    const created = record(await bob(['create-imagelist', 'fedcloud', '--vo', 'fedcloud.egi.eu', '--title', 'Bob for FedCloud', 'debian.img', 'bob/private.img', 'slot.img', '--json']));
    assert.equal(created.owner, 'bob');
    assert.equal(created.vo, 'fedcloud.egi.eu');
    assert.deepEqual(created.images.map((image) => image.image), ['bob/debian.img', 'bob/private.img', 'bob/slot.img']);
    assert.equal(created.url, `${s.repo.url}/api/imagelists/bob/fedcloud/image.list`);
    assert.ok(created.version, 'signed at once');
    const fetched = curl(created.url, { caDir: s.site.caDir });
    assert.equal(fetched.status, 200);
    assert.match(fetched.body, /multipart\/signed/);
  });

  it('describe-imagelist says which image is left out of the signed list and why', async () => {
    const shown = ok(await bob(['describe-imagelist', 'fedcloud']));
    assert.match(shown.stdout, /url:\s+https:\/\/.*\/api\/imagelists\/bob\/fedcloud\/image\.list/);
    assert.match(shown.stdout, /bob\/slot\.img\s+0\s+no\s+has no bytes yet: upload them first/);
  });

  it('list-imagelists shows the caller\'s lists only', async () => {
    const mine = ok(await bob(['list-imagelists', '--json'])).json as ImageListRecord[];
    assert.deepEqual(mine.map((list) => list.name), ['fedcloud']);
    assert.deepEqual(ok(await pam(['list-imagelists', '--json'])).json, []);
    assert.match(ok(await bob(['list-imagelists'])).stdout, /bob\/fedcloud\s+Bob for FedCloud\s+3/);
  });

  it('modify-imagelist replaces the images and fields, and --no-images empties the list; the version goes up', async () => {
    const before = record(await bob(['describe-imagelist', 'fedcloud', '--json']));
    const changed = record(await bob(['modify-imagelist', 'bob/fedcloud', 'debian.img', '--no-vo', '--json']));
    assert.deepEqual(changed.images.map((image) => image.image), ['bob/debian.img']);
    assert.equal(changed.vo, null);
    assert.ok(BigInt(changed.version ?? '0') > BigInt(before.version ?? '0'));
    const emptied = record(await bob(['modify-imagelist', 'fedcloud', '--no-images', '--json']));
    assert.deepEqual(emptied.images, []);
    const usage = await bob(['modify-imagelist', 'fedcloud']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /nothing to change/);
  });

  it('an image the list owner cannot read is refused with exit 4, and the list is unchanged', async () => {
    const refused = await bob(['modify-imagelist', 'fedcloud', 'pam/secret.img']);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /pam\/secret\.img/);
    assert.deepEqual(record(await bob(['describe-imagelist', 'fedcloud', '--json'])).images, []);
  });

  it('remove-imagelist deletes it; subscribers then get 404', async () => {
    ok(await bob(['remove-imagelist', 'fedcloud', '--force']));
    assert.equal(curl(`${s.repo.url}/api/imagelists/bob/fedcloud/image.list`, { caDir: s.site.caDir }).status, 404);
    assert.equal((await bob(['describe-imagelist', 'fedcloud'])).code, 4);
  });
});
