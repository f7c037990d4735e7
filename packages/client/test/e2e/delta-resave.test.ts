// Delta re-saves end to end (issue [5/9] item 4): the built `repoman` against the real server
// over TLS with a grid proxy (fs storage, SQLite). A 64 MiB image is uploaded; once the server
// has listed its blocks in the background, the image with 2 of its 8 MiB blocks changed goes up
// with `upload-image --delta`: the server writes the 2 blocks and nothing more (its log: one
// line per block with its bytes; 3 PATCHes in all), the image downloaded is the new file byte for byte, both versions are
// listed, and a rollback brings the first bytes back. (The fallback to a whole upload when the
// server has no block list is in transfer-failures.test.ts, against a stub.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl } from '../../../server/test/helpers/curl.js';
import { waitFor } from '../../../server/test/helpers/test-files.js';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';

const MIB = 1024 * 1024;
const BLOCK = 8 * MIB;

describe('repoman delta re-saves against a real server', () => {
  let s: ClientSite;
  let bob: Runner;
  const ok = (result: RunResult): RunResult => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  /** Bytes of delta blocks the server wrote, from its log (one line per block). */
  const blockBytesWritten = (): number =>
    s.repo.log().split('\n').filter((line) => line.includes('"msg":"delta block written"')).reduce((sum, line) => sum + (JSON.parse(line) as { bytes: number }).bytes, 0);
  /** PATCH requests of uploads the server answered. */
  const patches = (): number => s.repo.log().split('\n').filter((line) => line.includes('"method":"PATCH"') && line.includes('/api/uploads/')).length;
  const blocksReady = (name: string, version: number): boolean =>
    curl(`${s.repo.url}/api/images/${name}/versions/${version}/blocks`, { caDir: s.site.caDir, credential: s.bob.proxyPath }).status === 200;

  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
  });
  after(async () => {
    await s?.cleanup();
  });

  it('sends only the 2 changed blocks of a 64 MiB image; the download is the new file; versions and rollback work', async () => {
    const first = randomBytes(64 * MIB);
    const firstFile = join(s.site.dir, 'first.img');
    await writeFile(firstFile, first);
    ok(await bob(['create-image', 'disk.img', '--file', firstFile]));
    await waitFor('the block list of version 1', async () => blocksReady('disk.img', 1), 30_000);

    const second = Buffer.from(first);
    randomBytes(BLOCK).copy(second, 1 * BLOCK);
    randomBytes(100).copy(second, 5 * BLOCK + 12345);
    const secondFile = join(s.site.dir, 'second.img');
    await writeFile(secondFile, second);
    const [bytesBefore, patchesBefore] = [blockBytesWritten(), patches()];
    const saved = ok(await bob(['upload-image', '--delta', 'disk.img', secondFile]));
    assert.match(saved.stderr, /sent 16(\.0+)? MiB of 64(\.0+)? MiB: 2 of 8 blocks changed since version 1/);
    assert.equal(blockBytesWritten() - bytesBefore, 2 * BLOCK, 'the server received the 2 blocks');
    assert.equal(patches() - patchesBefore, 3, 'and nothing more: 2 block PATCHes and the empty one that commits');

    const downloaded = join(s.site.dir, 'downloaded.img');
    ok(await bob(['download-image', 'disk.img', downloaded]));
    assert.ok((await readFile(downloaded)).equals(second), 'the downloaded image is the new file');
    const versions = JSON.parse(ok(await bob(['list-versions', 'disk.img', '--json'])).stdout) as { version: number; size: number }[];
    assert.deepEqual(versions.map((v) => [v.version, v.size]), [[2, 64 * MIB], [1, 64 * MIB]]);
    ok(await bob(['rollback-image', 'disk.img', '1']));
    const rolledBack = join(s.site.dir, 'rolled-back.img');
    ok(await bob(['download-image', 'disk.img', rolledBack]));
    assert.ok((await readFile(rolledBack)).equals(first), 'the rollback brought the first bytes back');
  });
});
