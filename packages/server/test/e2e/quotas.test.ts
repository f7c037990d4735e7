// Quotas against the real server process over TLS with the real curl and grid proxies, the
// `[quotas]` defaults coming from the TOML file: whoami shows them; an upload past the bytes
// with `Expect: 100-continue` is 413 QUOTA_EXCEEDED and curl sends (almost)
// nothing; two concurrent uploads that fit alone but not together cannot both pass (the
// first one's announced length is reserved while it runs); a chunked upload is cut where it
// passes; a third image is refused by the count.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl, startCurl, type CurlResult } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { randomFile } from '../helpers/test-files.js';

const MIB = 1024 * 1024;

describe('quotas over TLS with curl', () => {
  let site: GridSite;
  let repo: Repository;
  let bob: GridUser;
  const as = (path: string, extra: Partial<Parameters<typeof curl>[1]> = {}): CurlResult =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, credential: bob.proxyPath, ...extra });
  const file = (name: string): string => join(site.dir, name);
  const usage = () => (as('/api/whoami').json as { usage: { bytes: number; images: number } }).usage;

  before(async () => {
    site = await makeGridSite();
    const admin = await site.user('admin');
    bob = await site.user('bob');
    repo = await startRepository({ site, adminDns: [admin.dn], extraToml: `[quotas]\nuser_bytes = ${16 * MIB}\nuser_images = 2` });
    const registered = curl(`${repo.url}/api/users`, { caDir: site.caDir, credential: admin.proxyPath, method: 'POST', json: { user_name: 'bob', client_dn: bob.dn } });
    assert.equal(registered.status, 201, registered.body);
    for (const name of ['one.img', 'two.img']) assert.equal(as('/api/images', { method: 'POST', json: { name } }).status, 201);
    await randomFile(file('32m.img'), 32 * MIB);
    await randomFile(file('10m.img'), 10 * MIB);
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('whoami shows the [quotas] defaults and the usage', () => {
    const me = as('/api/whoami').json as { quota_bytes: number; quota_images: number; usage: unknown };
    assert.deepEqual([me.quota_bytes, me.quota_images, me.usage], [16 * MIB, 2, { bytes: 0, images: 2 }]);
  });

  it('a third image is refused by the count: 413 QUOTA_EXCEEDED', () => {
    const third = as('/api/images', { method: 'POST', json: { name: 'three.img' } });
    assert.equal(third.status, 413);
    assert.match(third.body, /"code":"QUOTA_EXCEEDED".*bob owns 2 images .*quota of 2/);
  });

  it('curl -T with Expect: 100-continue past the bytes: 413, (almost) nothing sent', () => {
    const result = as('/api/images/raw/one.img', { args: ['-T', file('32m.img'), '-H', 'Expect: 100-continue', '-w', '\n%{size_upload}'] });
    assert.equal(result.status, 413, result.body);
    assert.match(result.body, /"code":"QUOTA_EXCEEDED".*hold 0 bytes .* of a quota of 16777216 bytes; an upload of 33554432 bytes/);
    const sent = Number(result.body.trimEnd().split('\n').at(-1));
    assert.ok(sent < MIB, `curl sent ${sent} bytes`);
    assert.deepEqual(usage(), { bytes: 0, images: 2 });
  });

  it('two concurrent uploads that fit alone but not together: one 200, one 413', async () => {
    // Slowed to ~4 s each, so that the second starts while the first still holds its reservation.
    const uploads = ['one.img', 'two.img'].map((name) =>
      startCurl(`${repo.url}/api/images/raw/${name}`, { caDir: site.caDir, credential: bob.proxyPath, args: ['-T', file('10m.img'), '--limit-rate', '2500K'] }));
    const statuses = (await Promise.all(uploads.map((upload) => upload.result))).map((result) => result.status).sort();
    assert.deepEqual(statuses, [200, 413]);
    assert.deepEqual(usage(), { bytes: 10 * MIB, images: 2 });
  });

  it('a chunked upload is cut where it passes the quota; the previous bytes stay', () => {
    const before = as('/api/images/one.img').json as { checksum: unknown };
    const bodies = ['one.img', 'two.img'].map((name) => as(`/api/images/raw/${name}`, { args: ['-T', file('32m.img'), '-H', 'Transfer-Encoding: chunked'] }));
    for (const result of bodies) {
      assert.equal(result.status, 413, result.body);
      assert.match(result.body, /QUOTA_EXCEEDED.*nothing was kept/);
    }
    assert.deepEqual(usage(), { bytes: 10 * MIB, images: 2 });
    assert.deepEqual((as('/api/images/one.img').json as { checksum: unknown }).checksum, before.checksum);
  });
});
