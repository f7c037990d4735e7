// Two repoman-server instances on one PostgreSQL database and one Ceph RGW bucket behave as one
// repository (SPEC §1 "at scale"): an image uploaded through one is listed, described,
// range-read and downloaded through the other; concurrent uploads spread over both arrive
// whole; a resumable (tus) upload begun on one finishes on the other, and PATCHes racing on
// both at one offset leave one winner; an upload killed mid-way with its instance leaves the
// previous version readable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { curl, startCurl, type CurlResult } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { CEPH_PACKAGES, POSTGRES_PACKAGES, startCephRgw, startPostgres, type CephRgw, type Postgres } from '../helpers/test-services.js';
import { randomFile, sha256OfFile, waitFor } from '../helpers/test-files.js';

const MIB = 1024 * 1024;

describe('two instances on one PostgreSQL and one S3 bucket', () => {
  let postgres: Postgres | null;
  let ceph: CephRgw | null;
  let site: GridSite;
  let bob: GridUser;
  let one: Repository;
  let two: Repository;

  const on = (repo: Repository, path: string, extra: Partial<Parameters<typeof curl>[1]> = {}): CurlResult =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, credential: bob.proxyPath, ...extra });
  const file = (name: string): string => join(site.dir, name);
  const shaVia = async (repo: Repository, name: string): Promise<string> => {
    const out = file(`${name}.via-${repo === one ? 'one' : 'two'}`);
    const result = on(repo, `/api/images/raw/${name}`, { args: ['-o', out] });
    assert.equal(result.status, 200, `download of ${name}`);
    return sha256OfFile(out);
  };

  before(async () => {
    postgres = await startPostgres();
    ceph = await startCephRgw();
    if (!postgres || !ceph) return;
    site = await makeGridSite();
    bob = await site.user('bob');
    const shared = [
      '[database]', `url = ${JSON.stringify(postgres.url)}`,
      '[storage]', 'driver = "s3"', `endpoint = ${JSON.stringify(ceph.endpoint)}`, `region = ${JSON.stringify(ceph.region)}`,
      'bucket = "repoman-scale-out"', `access_key_id = ${JSON.stringify(ceph.accessKeyId)}`,
      `secret_access_key = ${JSON.stringify(ceph.secretAccessKey)}`, 'force_path_style = true',
    ].join('\n');
    one = await startRepository({ site, adminDns: [bob.dn], extraToml: shared });
    two = await startRepository({ site, adminDns: [bob.dn], extraToml: shared });
  });
  after(async () => {
    await one?.cleanup();
    await two?.cleanup();
    await site?.cleanup();
    await ceph?.stop();
    await postgres?.stop();
  });

  const needServices = (t: { skip: (message: string) => void }): boolean => {
    if (postgres && ceph) return true;
    t.skip(`needs ${POSTGRES_PACKAGES} and ${CEPH_PACKAGES} (run .ci/run)`);
    return false;
  };

  it('an image uploaded through one instance is listed, described, range-read and downloaded through the other', async (t) => {
    if (!needServices(t)) return;
    await randomFile(file('shared.img'), 40 * MIB);
    const sha = await sha256OfFile(file('shared.img'));
    assert.equal(on(one, '/api/images', { method: 'POST', json: { name: 'shared.img', description: 'made on one' } }).status, 201);
    assert.equal(on(one, '/api/images/raw/shared.img', { args: ['-T', file('shared.img')] }).status, 200);

    const listed = on(two, '/api/images').json as { name: string }[];
    assert.ok(listed.some((image) => image.name === 'shared.img'));
    const described = on(two, '/api/images/bob/shared.img').json as { checksum: { value: string }; size: number; description: string };
    assert.equal(described.checksum.value, sha);
    assert.equal(described.size, 40 * MIB);
    assert.equal(described.description, 'made on one');

    const ranged = on(two, '/api/images/raw/shared.img', { args: ['-r', '100-199', '-o', file('range.out')] });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers['content-range'], `bytes 100-199/${40 * MIB}`);
    assert.equal(await shaVia(two, 'shared.img'), sha);
  });

  it('four concurrent uploads spread over both instances all arrive intact', async (t) => {
    if (!needServices(t)) return;
    const names = ['c0.img', 'c1.img', 'c2.img', 'c3.img'];
    const shas: string[] = [];
    for (const [i, name] of names.entries()) {
      await randomFile(file(name), (12 + i) * MIB);
      shas.push(await sha256OfFile(file(name)));
      assert.equal(on(i % 2 ? two : one, '/api/images', { method: 'POST', json: { name } }).status, 201);
    }
    const uploads = names.map((name, i) =>
      startCurl(`${(i % 2 ? two : one).url}/api/images/raw/${name}`, { caDir: site.caDir, credential: bob.proxyPath, args: ['-T', file(name)] }));
    const results = await Promise.all(uploads.map((upload) => upload.result));
    for (const result of results) assert.equal(result.status, 200, result.body);
    for (const [i, name] of names.entries()) {
      assert.equal(await shaVia(i % 2 ? one : two, name), shas[i], `${name} read through the other instance`);
    }
  });

  it('a resumable upload begun on one instance finishes on the other; two PATCHes racing on both: one wins, the other 409', async (t) => {
    if (!needServices(t)) return;
    await randomFile(file('tus.img'), 37 * MIB + 5);
    const sha = await sha256OfFile(file('tus.img'));
    const content = await readFile(file('tus.img'));
    await writeFile(file('tus.part1'), content.subarray(0, 20 * MIB + 5));
    await writeFile(file('tus.part2'), content.subarray(20 * MIB + 5));
    assert.equal(on(one, '/api/images', { method: 'POST', json: { name: 'tus.img' } }).status, 201);
    const tus = ['-H', 'Tus-Resumable: 1.0.0'];
    const created = on(one, '/api/images/tus.img/uploads', { method: 'POST', args: [...tus, '-H', `Upload-Length: ${content.length}`] });
    assert.equal(created.status, 201, created.body);
    const location = created.headers.location!;
    const patchArgs = (offset: number, part: string, extra: string[] = []) => [
      ...tus, '-X', 'PATCH', '-H', 'Content-Type: application/offset+octet-stream', '-H', `Upload-Offset: ${offset}`, '--data-binary', `@${file(part)}`, ...extra,
    ];
    assert.equal(on(one, location, { args: patchArgs(0, 'tus.part1') }).status, 204);
    const head = on(two, location, { args: [...tus, '-I'] });
    assert.equal(head.headers['upload-offset'], String(20 * MIB + 5), 'the other instance sees the offset');

    // Both instances get a PATCH at the same offset; the slow one holds the upload, the other is refused.
    const racing = [one, two].map((repo) =>
      startCurl(`${repo.url}${location}`, { caDir: site.caDir, credential: bob.proxyPath, args: patchArgs(20 * MIB + 5, 'tus.part2', ['--limit-rate', '16M']) }));
    const statuses = (await Promise.all(racing.map((run) => run.result))).map((result) => result.status).sort();
    assert.deepEqual(statuses, [204, 409]);
    assert.equal((on(two, '/api/images/tus.img').json as { version: number }).version, 1);
    assert.equal(await shaVia(one, 'tus.img'), sha);
    assert.equal(await shaVia(two, 'tus.img'), sha);
  });

  it('an upload killed mid-way with its instance leaves the previous version readable from the other', async (t) => {
    if (!needServices(t)) return;
    const before = await shaVia(two, 'shared.img');
    const version = (on(two, '/api/images/shared.img').json as { version: number }).version;
    await randomFile(file('replacement.img'), 64 * MIB);
    const upload = startCurl(`${one.url}/api/images/raw/shared.img`, {
      caDir: site.caDir, credential: bob.proxyPath, args: ['-T', file('replacement.img'), '--limit-rate', '8M'],
    });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // some of it is on its way
    await one.kill();
    await upload.result;
    assert.equal(await shaVia(two, 'shared.img'), before);
    assert.equal((on(two, '/api/images/shared.img').json as { version: number }).version, version);
    await one.restart();
    await waitFor('the restarted instance to answer', async () => on(one, '/api/whoami').status === 200);
    assert.equal(await shaVia(one, 'shared.img'), before);
  });
});
