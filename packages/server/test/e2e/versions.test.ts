// Versions against the real server process over TLS with the real curl and grid proxies, on
// SQLite + filesystem and on PostgreSQL + Ceph RGW (two instances, one bucket): two uploads are
// two versions; curl lists them; version 1 downloads with its own ETag and resumes with
// `curl -C -`; a rollback (through the other instance on PostgreSQL) makes version 1's bytes
// current as version 3 without storing a byte; the current version cannot be dropped, an old
// one can; `version=abc` is 400 and a version not kept 404 VERSION_NOT_FOUND.
import assert from 'node:assert/strict';
import { truncate, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl, type CurlResult } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { CEPH_PACKAGES, POSTGRES_PACKAGES, startCephRgw, startPostgres, type CephRgw, type Postgres } from '../helpers/test-services.js';
import { randomFile, sha256OfFile } from '../helpers/test-files.js';

const MIB = 1024 * 1024;

interface VersionJson {
  version: number;
  size: number;
  checksum: { value: string };
  uploaded_by: string | null;
  current: boolean;
}

/** The same story on whatever backends `setup` starts; `first` and `second` may be one instance. */
function versionStory(name: string, setup: (site: GridSite, bob: GridUser) => Promise<{ first: Repository; second: Repository; stop: () => Promise<void> } | string>): void {
  describe(`versions over TLS with curl: ${name}`, () => {
    let site: GridSite;
    let bob: GridUser;
    let repos: { first: Repository; second: Repository; stop: () => Promise<void> } | undefined;
    let skip: string | undefined;
    const on = (repo: Repository, path: string, extra: Partial<Parameters<typeof curl>[1]> = {}): CurlResult =>
      curl(`${repo.url}${path}`, { caDir: site.caDir, credential: bob.proxyPath, ...extra });
    const file = (file: string): string => join(site.dir, file);

    before(async () => {
      site = await makeGridSite();
      bob = await site.user('bob');
      const started = await setup(site, bob);
      if (typeof started === 'string') skip = started;
      else repos = started;
      await randomFile(file('v1.img'), 9 * MIB + 123);
      await randomFile(file('v2.img'), 5 * MIB);
    });
    after(async () => {
      await repos?.stop();
      await site?.cleanup();
    });

    it('upload twice, list, download v1 resumed, roll back to it, drop v2', async (t) => {
      if (repos === undefined) return t.skip(skip);
      const { first, second } = repos;
      const [sha1, sha2] = [await sha256OfFile(file('v1.img')), await sha256OfFile(file('v2.img'))];
      assert.equal(on(first, '/api/images', { method: 'POST', json: { name: 'story.img' } }).status, 201);
      assert.equal(on(first, '/api/images/raw/story.img', { args: ['-T', file('v1.img')] }).status, 200);
      assert.equal(on(second, '/api/images/raw/story.img', { args: ['-T', file('v2.img')] }).status, 200);

      const listed = on(second, '/api/images/bob/story.img/versions');
      assert.equal(listed.status, 200, listed.body);
      assert.deepEqual((listed.json as VersionJson[]).map((v) => [v.version, v.size, v.checksum.value, v.uploaded_by, v.current]), [
        [2, 5 * MIB, sha2, 'bob', true],
        [1, 9 * MIB + 123, sha1, 'bob', false],
      ]);

      const head = on(first, '/api/images/raw/story.img?version=1', { args: ['-I'] });
      assert.equal(head.status, 200);
      assert.equal(head.headers.etag, `"${sha1}"`);
      await copyFile(file('v1.img'), file('v1.partial'));
      await truncate(file('v1.partial'), 3 * MIB + 7);
      const resumed = on(second, '/api/images/raw/bob/story.img?version=1', { args: ['-C', '-', '-o', file('v1.partial')] });
      assert.equal(resumed.status, 206, resumed.stderr);
      assert.equal(await sha256OfFile(file('v1.partial')), sha1, 'curl -C - completed version 1');

      const bad = on(first, '/api/images/raw/story.img?version=abc');
      assert.equal(bad.status, 400, bad.body);
      const missing = on(first, '/api/images/raw/story.img?version=7');
      assert.equal(missing.status, 404);
      assert.match(missing.body, /"code":"VERSION_NOT_FOUND"/);

      const rolled = on(second, '/api/images/story.img/rollback', { method: 'POST', json: { version: 1 } });
      assert.equal(rolled.status, 200, rolled.body);
      assert.deepEqual([(rolled.json as { version: number }).version, (rolled.json as { checksum: { value: string } }).checksum.value], [3, sha1]);
      const current = on(first, '/api/images/raw/story.img', { args: ['-o', file('current.img')] });
      assert.equal(current.status, 200);
      assert.equal(await sha256OfFile(file('current.img')), sha1, "the current bytes are version 1's");

      const dropCurrent = on(first, '/api/images/story.img/versions/3', { method: 'DELETE' });
      assert.equal(dropCurrent.status, 409, dropCurrent.body);
      assert.equal(on(second, '/api/images/story.img/versions/2', { method: 'DELETE' }).status, 204);
      assert.deepEqual((on(first, '/api/images/story.img/versions').json as VersionJson[]).map((v) => v.version), [3, 1]);
      const usage = (on(first, '/api/whoami').json as { usage: { bytes: number } }).usage.bytes;
      assert.equal(usage, 2 * (9 * MIB + 123), 'versions 3 and 1 count, one blob');
    });
  });
}

versionStory('SQLite and the filesystem', async (site, bob) => {
  const repo = await startRepository({ site, adminDns: [bob.dn] });
  return { first: repo, second: repo, stop: () => repo.cleanup() };
});

versionStory('PostgreSQL and Ceph RGW, two instances', async (site, bob) => {
  const postgres: Postgres | null = await startPostgres();
  const ceph: CephRgw | null = await startCephRgw();
  if (!postgres || !ceph) {
    await postgres?.stop();
    await ceph?.stop();
    return `needs ${POSTGRES_PACKAGES} and ${CEPH_PACKAGES} (run .ci/run)`;
  }
  const shared = [
    '[database]', `url = ${JSON.stringify(postgres.url)}`,
    '[storage]', 'driver = "s3"', `endpoint = ${JSON.stringify(ceph.endpoint)}`, `region = ${JSON.stringify(ceph.region)}`,
    'bucket = "repoman-versions"', `access_key_id = ${JSON.stringify(ceph.accessKeyId)}`,
    `secret_access_key = ${JSON.stringify(ceph.secretAccessKey)}`, 'force_path_style = true',
  ].join('\n');
  const first = await startRepository({ site, adminDns: [bob.dn], extraToml: shared });
  const second = await startRepository({ site, adminDns: [bob.dn], extraToml: shared });
  return {
    first,
    second,
    stop: async () => {
      await first.cleanup();
      await second.cleanup();
      await ceph.stop();
      await postgres.stop();
    },
  };
});
