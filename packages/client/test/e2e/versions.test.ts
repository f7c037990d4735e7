// Versions through the built `repoman` and real curl, against the real repoman-server over TLS
// with grid proxies (SQLite + filesystem; PostgreSQL + Ceph RGW: packages/server/test/e2e/
// versions.test.ts): two uploads are two versions; list-versions and curl list them;
// describe-image shows how many are kept; download-image --version 1 and curl (resuming with
// `-C -`) fetch version 1's bytes; rollback-image makes them current again as version 3;
// remove-version drops one but not the current one; bad version numbers are usage errors.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl } from '../../../server/test/helpers/curl.js';
import { makeClientSite, type ClientSite } from '../helpers/client-site.js';

interface VersionJson {
  version: number;
  size: number;
  checksum: { value: string };
  uploaded_by: string | null;
  current: boolean;
}

describe('versions with the client and curl against a real server', () => {
  let s: ClientSite;
  let first: Buffer;
  let second: Buffer;
  before(async () => {
    s = await makeClientSite();
    first = randomBytes(3 * 1024 * 1024 + 17);
    second = randomBytes(2 * 1024 * 1024 + 5);
    await writeFile(join(s.site.dir, 'first.img'), first);
    await writeFile(join(s.site.dir, 'second.img'), second);
  });
  after(async () => {
    await s?.cleanup();
  });

  const ok = (result: { code: number | null; stderr: string; stdout: string; json?: unknown }) => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  const asCurl = (path: string, args: string[] = [], method?: string) =>
    curl(`${s.repo.url}${path}`, { caDir: s.site.caDir, credential: s.bob.proxyPath, args, ...(method !== undefined && { method }) });

  it('two uploads are two versions: list-versions, curl and describe-image show them', async () => {
    ok(await s.as(s.bob)(['create-image', 'v.img', '--file', join(s.site.dir, 'first.img')]));
    ok(await s.as(s.bob)(['upload-image', 'v.img', join(s.site.dir, 'second.img')]));
    const table = ok(await s.as(s.bob)(['list-versions', 'v.img'])).stdout;
    assert.match(table, /^VERSION\s+SIZE\s+UPLOADED\s+BY\s+FORMAT\s+SHA256\s+CURRENT$/m);
    assert.match(table, /^2\s+2\.00 MiB\s+.+\s+bob\s+raw\s+[0-9a-f]{64}\s+yes$/m);
    assert.match(table, /^1\s+3\.00 MiB\s+.+\s+bob\s+raw\s+[0-9a-f]{64}\s*$/m);
    const listed = asCurl('/api/images/bob/v.img/versions');
    assert.equal(listed.status, 200, listed.body);
    const versions = listed.json as VersionJson[];
    assert.deepEqual(versions.map((v) => [v.version, v.size, v.current]), [[2, second.length, true], [1, first.length, false]]);
    const json = JSON.parse(ok(await s.as(s.bob)(['list-versions', 'bob/v.img', '--json'])).stdout) as VersionJson[];
    assert.deepEqual(json, versions);
    assert.match(ok(await s.as(s.bob)(['describe-image', 'v.img'])).stdout, /^versions kept:\s+2$/m);
  });

  it('download-image --version 1 and curl ?version=1 (resumed with -C -) give version 1 whole', async () => {
    const dest = join(s.site.dir, 'v1.img');
    ok(await s.as(s.bob)(['download-image', 'v.img', dest, '--version', '1']));
    assert.ok((await readFile(dest)).equals(first));
    const partial = join(s.site.dir, 'v1-curl.img');
    await writeFile(partial, first.subarray(0, 1024 * 1024 + 3));
    const resumed = asCurl('/api/images/raw/bob/v.img?version=1', ['-C', '-', '-o', partial]);
    assert.equal(resumed.status, 206, resumed.stderr);
    assert.equal(resumed.headers['content-range'], `bytes ${1024 * 1024 + 3}-${first.length - 1}/${first.length}`);
    assert.ok((await readFile(partial)).equals(first), 'curl -C - completed version 1');
    const missing = await s.as(s.bob)(['download-image', 'v.img', join(s.site.dir, 'nope.img'), '--version', '9']);
    assert.equal(missing.code, 4, `not found: ${missing.stderr}`);
    assert.match(missing.stderr, /keeps no version 9/);
    for (const bad of ['abc', '0']) {
      const usage = await s.as(s.bob)(['download-image', 'v.img', join(s.site.dir, 'bad.img'), '--version', bad]);
      assert.equal(usage.code, 2, usage.stderr);
      assert.match(usage.stderr, /--version takes a version number/);
    }
  });

  it('rollback-image makes version 1 current as version 3; the bytes are version 1\'s', async () => {
    const rolled = ok(await s.as(s.bob)(['rollback-image', 'v.img', '1']));
    assert.match(rolled.stderr, /v\.img now has the bytes of version 1, as version 3/);
    const current = asCurl('/api/images/raw/bob/v.img', ['-o', join(s.site.dir, 'current.img')]);
    assert.equal(current.status, 200);
    assert.ok((await readFile(join(s.site.dir, 'current.img'))).equals(first));
    const readOnly = ok(await s.as(s.bob)(['modify-image', 'v.img', '--read-only', 'true']));
    assert.equal(readOnly.code, 0);
    const refused = await s.as(s.bob)(['rollback-image', 'v.img', '2']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /read-only/);
    ok(await s.as(s.bob)(['modify-image', 'v.img', '--read-only', 'false']));
  });

  it('remove-version drops a kept version but not the current one', async () => {
    ok(await s.as(s.bob)(['remove-version', 'v.img', '2', '--force']));
    const current = await s.as(s.bob)(['remove-version', 'v.img', '3', '--force']);
    assert.equal(current.code, 1, current.stderr);
    assert.match(current.stderr, /version 3 is the current content/);
    const versions = asCurl('/api/images/bob/v.img/versions').json as VersionJson[];
    assert.deepEqual(versions.map((v) => v.version), [3, 1]);
    const pam = await s.as(s.pam)(['list-versions', 'bob/v.img']);
    assert.equal(pam.code, 4, 'a private image is not found for others');
  });
});
