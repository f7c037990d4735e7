// Quotas through the built `repoman` and real curl, against the real repoman-server over TLS
// with grid proxies: an admin sets quotas with sizes (`modify-user --quota-bytes 1M
// --quota-images 2`), whoami and describe-user show usage and quota, a quota below usage is
// accepted with a warning, and uploads and new images past the quota are refused with 413
// QUOTA_EXCEEDED (usage and limit in the message) and the previous bytes kept.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl } from '../../../server/test/helpers/curl.js';
import { makeClientSite, type ClientSite } from '../helpers/client-site.js';

interface UserJson {
  quota_bytes: number;
  quota_images: number;
  usage: { bytes: number; images: number };
}

describe('quotas with the client and curl against a real server', () => {
  let s: ClientSite;
  before(async () => {
    // One version kept: an upload replaces what it counts (kept versions counting: versions.test.ts).
    s = await makeClientSite({ extraToml: '[images]\nkeep_versions = 1\n' });
  });
  after(async () => {
    await s?.cleanup();
  });

  const ok = (result: { code: number | null; stderr: string; stdout: string; json?: unknown }) => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  const file = async (name: string, size: number): Promise<string> => {
    const path = join(s.site.dir, name);
    await writeFile(path, randomBytes(size));
    return path;
  };

  it('an admin sets quotas with K M G T sizes; whoami and describe-user show usage and quota', async () => {
    const set = ok(await s.as(s.admin)(['modify-user', 'bob', '--quota-bytes', '1M', '--quota-images', '2', '--json'])).json as UserJson;
    assert.deepEqual([set.quota_bytes, set.quota_images, set.usage], [1024 * 1024, 2, { bytes: 0, images: 0 }]);
    ok(await s.as(s.bob)(['create-image', 'a.img', '--file', await file('a.img', 300 * 1024)]));
    const whoami = ok(await s.as(s.bob)(['whoami']));
    assert.match(whoami.stdout, /^usage:\s+300 KiB of 1\.00 MiB$/m);
    assert.match(whoami.stdout, /^images:\s+1 of 2$/m);
    assert.match(ok(await s.as(s.pam)(['describe-user', 'bob'])).stdout, /^usage:\s+300 KiB of 1\.00 MiB$/m);
    assert.match(ok(await s.as(s.pam)(['whoami'])).stdout, /^usage:\s+0 B of unlimited$/m);
  });

  it('a user cannot set quotas; bad sizes and counts are usage errors', async () => {
    const refused = await s.as(s.bob)(['modify-user', 'bob', '--quota-bytes', '10G']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /only members of admins may set quotas/);
    for (const args of [['--quota-bytes', 'lots'], ['--quota-images', '1.5']]) {
      const bad = await s.as(s.admin)(['modify-user', 'bob', ...args]);
      assert.equal(bad.code, 2, bad.stderr);
    }
  });

  it('an upload past the byte quota is refused (413 QUOTA_EXCEEDED, usage and limit named); the previous bytes stay', async () => {
    const big = await file('big.img', 800 * 1024);
    const refused = await s.as(s.bob)(['upload-image', 'a.img', await file('a2.img', 300 * 1024 + 1)]);
    assert.equal(refused.code, 0, 'replacing 300 KiB with 300 KiB + 1 fits: only what is added counts');
    ok(await s.as(s.bob)(['create-image', 'b.img']));
    const client = await s.as(s.bob)(['upload-image', 'b.img', big]);
    assert.equal(client.code, 1, client.stderr);
    assert.match(client.stderr, /quota of 1048576 bytes/);
    const put = curl(`${s.repo.url}/api/images/raw/bob/b.img`, { caDir: s.site.caDir, credential: s.bob.proxyPath, args: ['-T', big] });
    assert.equal(put.status, 413, put.body);
    assert.match(put.body, /"code":"QUOTA_EXCEEDED".*hold 307201 bytes .* of a quota of 1048576 bytes/);
    const record = curl(`${s.repo.url}/api/images/bob/b.img`, { caDir: s.site.caDir, credential: s.bob.proxyPath });
    assert.equal((record.json as { status: string }).status, 'empty', 'nothing kept');
  });

  it('a slot over the count is refused; a quota below usage is accepted with a warning on stderr', async () => {
    const third = await s.as(s.bob)(['create-image', 'c.img']);
    assert.notEqual(third.code, 0);
    assert.match(third.stderr, /bob owns 2 images .*quota of 2/);
    const lowered = ok(await s.as(s.admin)(['modify-user', 'bob', '--quota-bytes', '100K']));
    assert.match(lowered.stderr, /warning: quota_bytes 102400 is below the 307201 bytes .*accepted/);
    assert.match(lowered.stdout, /^usage:\s+300 KiB of 100 KiB$/m);
    ok(await s.as(s.admin)(['modify-user', 'bob', '--quota-bytes', '0', '--quota-images', '0']));
    ok(await s.as(s.bob)(['create-image', 'c.img']));
  });
});
