// Big files (64 MiB and more) through the built `repoman` and the real server over TLS go with
// the resumable protocol (tus): one PATCH normally, verified; after Ctrl-C the upload's URL is
// kept in ~/.repoman/uploads.json (0600) and `upload-image --continue` finishes it from the
// server's offset; a server killed and restarted mid-upload is waited for and the upload resumes by
// itself; `create-image --file` uses it too. Each time the image ends with the file's sha256.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomFile, waitFor } from '../../../server/test/helpers/test-files.js';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';

const MIB = 1024 * 1024;
const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

describe('repoman resumable uploads against a real server', () => {
  let s: ClientSite;
  let bob: Runner;
  let big: string;
  let bigSha: string;
  const stateFile = (): string => join(s.envOf(s.bob).HOME!, '.repoman', 'uploads.json');
  const resumableDir = (): string => join(s.repo.dataDir, 'images', 'resumable');
  /** Bytes the server holds of the resumable uploads in progress. */
  const heldBytes = async (): Promise<number> => {
    let total = 0;
    for (const name of await readdir(resumableDir()).catch(() => [])) total += (await stat(join(resumableDir(), name)).catch(() => ({ size: 0 }))).size;
    return total;
  };
  const requests = (method: string, path: RegExp): number =>
    s.repo.log().split('\n').filter((line) => line.includes(`"method":"${method}"`) && path.test(line)).length;
  const record = async (name: string) => ok(await bob(['di', name, '--json'])).json as { checksum: { value: string }; size: number; version: number };

  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
    big = join(s.site.dir, 'big.img');
    await randomFile(big, 200 * MIB + 7);
    bigSha = createHash('sha256').update(await readFile(big)).digest('hex');
  });
  after(async () => {
    await s?.cleanup();
  });

  function ok(result: RunResult): RunResult {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  }

  it('create-image --file sends a big file as one resumable upload, verified, and forgets it once done', async () => {
    const posts = requests('POST', /\/uploads"/);
    ok(await bob(['create-image', 'made.img', '--file', big]));
    assert.equal(requests('POST', /\/uploads"/), posts + 1, 'a resumable upload was created');
    assert.equal(requests('PUT', /\/api\/images\/raw\/made\.img/), 0, 'no PUT');
    const made = await record('made.img');
    assert.deepEqual([made.checksum.value, made.size, made.version], [bigSha, 200 * MIB + 7, 1]);
    assert.deepEqual(JSON.parse(await readFile(stateFile(), 'utf8')), {}, 'the finished upload is forgotten');
  });

  it('Ctrl-C keeps the upload URL in ~/.repoman/uploads.json (0600); --continue finishes it from the server\'s offset', async () => {
    ok(await bob(['create-image', 'cut.img']));
    let child: import('node:child_process').ChildProcess | undefined;
    const running = bob(['upload-image', 'cut.img', big], { onSpawn: (spawned) => (child = spawned) });
    await waitFor('part of the file on the server', async () => (await heldBytes()) >= 24 * MIB, 30_000);
    child?.kill('SIGINT');
    const interrupted = await running;
    assert.equal(interrupted.code, 130, interrupted.stderr);
    assert.match(interrupted.stderr, /upload-image --continue cut\.img/);
    assert.equal((await stat(stateFile())).mode & 0o777, 0o600);
    assert.equal(Object.keys(JSON.parse(await readFile(stateFile(), 'utf8')) as object).length, 1);
    const held = await heldBytes();
    assert.ok(held > 0 && held < 200 * MIB, `the server kept ${held} bytes`);

    const heads = requests('HEAD', /\/api\/uploads\//);
    ok(await bob(['upload-image', '--continue', 'cut.img', big]));
    assert.equal(requests('HEAD', /\/api\/uploads\//), heads + 1, 'it asked where the upload stands');
    const cut = await record('cut.img');
    assert.deepEqual([cut.checksum.value, cut.version], [bigSha, 1]);
    assert.deepEqual(JSON.parse(await readFile(stateFile(), 'utf8')), {});
    assert.equal(await heldBytes(), 0);

    const nothing = await bob(['upload-image', '--continue', 'cut.img', big]);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /no interrupted upload of .* is left to continue/);
  });

  it('a server killed and restarted mid-upload: the client waits, asks where the upload stands and sends the rest', async () => {
    ok(await bob(['create-image', 'restart.img']));
    const running = bob(['upload-image', 'restart.img', big]);
    await waitFor('part of the file on the server', async () => (await heldBytes()) >= 24 * MIB, 30_000);
    await s.repo.kill();
    await s.repo.restart();
    ok(await running);
    assert.ok(requests('HEAD', /\/api\/uploads\//) >= 1, 'it asked where the upload stands');
    const restarted = await record('restart.img');
    assert.deepEqual([restarted.checksum.value, restarted.version], [bigSha, 1]);
    assert.ok(await exists(stateFile()));
    assert.deepEqual(JSON.parse(await readFile(stateFile(), 'utf8')), {});
  });
});
