// `repoman-server serve` stops gracefully: a download in flight when SIGTERM arrives is served
// to its last byte, then the server closes the database and the blob store and the process
// exits 0 on its own, promptly (no handle, hashing thread or connection keeps it alive).
// The real server process over TLS, with the real curl reading slowly.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl, startCurl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { randomFile, sha256OfFile, sizeOf, waitFor } from '../helpers/test-files.js';

const MIB = 1024 * 1024;

describe('serve on SIGTERM', () => {
  let site: GridSite;
  let bob: GridUser;
  let repo: Repository;

  before(async () => {
    site = await makeGridSite();
    bob = await site.user('bob');
    repo = await startRepository({ site, adminDns: [bob.dn] });
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('finishes a download in flight, then exits 0 by itself', { timeout: 60_000 }, async () => {
    const options = { caDir: site.caDir, credential: bob.proxyPath };
    const image = join(site.dir, 'stop.img');
    await randomFile(image, 48 * MIB);
    assert.equal(curl(`${repo.url}/api/images`, { ...options, method: 'POST', json: { name: 'stop.img' } }).status, 201);
    // An upload (it starts the hashing thread, which must not keep the process alive).
    assert.equal(curl(`${repo.url}/api/images/raw/stop.img`, { ...options, args: ['-T', image] }).status, 200);

    const out = join(site.dir, 'stop.out');
    const download = startCurl(`${repo.url}/api/images/raw/stop.img`, { ...options, args: ['--limit-rate', '12M', '-o', out] });
    await waitFor('the download under way', async () => (await sizeOf(out)) > 4 * MIB);
    process.kill(repo.pid(), 'SIGTERM');

    const result = await download.result;
    const finished = Date.now();
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.status, 200);
    assert.equal(await sha256OfFile(out), await sha256OfFile(image), 'every byte arrived');
    await waitFor('the server process to exit', () => repo.exitCode() !== null, 10_000);
    assert.ok(Date.now() - finished < 5_000, 'it exits promptly once the download has finished');
    assert.equal(repo.exitCode(), 0, repo.notices());
    assert.match(repo.notices(), /SIGTERM, stopping/);
  });
});
