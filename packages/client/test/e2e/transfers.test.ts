// Image bytes through the built `repoman` and the real server over TLS: uploads and
// downloads streamed and verified, DEST never half-written and written around the page cache
// (O_DIRECT: util-linux's fincore finds at most its last page resident), stdout with `-`, resuming a cut
// download with --continue (Range + If-Range), a replaced image restarting cleanly, a
// corrupted .part caught by the sha256 check, and the progress bar drawn under a
// pseudo-terminal but absent when piped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
/** Bytes of `path` in the page cache (util-linux's fincore). */
const residentBytes = (path: string): number =>
  Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' }).trim());

describe('repoman transfers against a real server', () => {
  let s: ClientSite;
  let bob: Runner;
  let dir: string;
  let v1: Buffer;
  let v1File: string;
  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
    dir = join(s.site.dir, 'transfers');
    await mkdir(dir);
    v1 = randomBytes(6 * 1024 * 1024 + 123);
    v1File = join(dir, 'v1.img');
    await writeFile(v1File, v1);
    ok(await bob(['create-image', 'big.img']));
  });
  after(async () => {
    await s?.cleanup();
  });

  function ok(result: RunResult): RunResult {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  }
  const rawRequests = (status: number): number =>
    s.repo.log().split('\n').filter((line) => line.includes('/api/images/raw/') && line.includes('"method":"GET"') && line.includes(`"status":${status}`)).length;

  it('uploads silently when piped, and the server holds the file\'s sha256', async () => {
    const result = ok(await bob(['upload-image', 'big.img', v1File]));
    assert.equal(result.stderr, '', 'no progress or chatter when stderr is not a terminal');
    assert.equal(result.stdout, '');
    const record = ok(await bob(['di', 'big.img', '--json'])).json as { checksum: { value: string }; size: number; version: number };
    assert.deepEqual([record.checksum.value, record.size, record.version], [sha256(v1), v1.length, 1]);
  });

  it('downloads to DEST through DEST.part, verified, around the page cache, nothing else left behind', async () => {
    const dest = join(dir, 'copy.img');
    const result = ok(await bob(['download-image', 'big.img', dest]));
    assert.equal(result.stderr, '');
    // Before anything reads it: the whole blocks went to the disk directly, only the tail was cached.
    const resident = residentBytes(dest);
    assert.ok(resident <= 4096, `${resident} of ${v1.length} bytes resident in the page cache`);
    assert.ok((await readFile(dest)).equals(v1));
    assert.equal(await exists(`${dest}.part`), false);
    assert.equal(await exists(`${dest}.part.etag`), false);
  });

  it('downloads into a directory under the image\'s name, and to stdout with -', async () => {
    const into = join(dir, 'into');
    await mkdir(into);
    ok(await bob(['gi', 'bob/big.img', into]));
    assert.ok((await readFile(join(into, 'big.img'))).equals(v1));
    const piped = ok(await bob(['get-image', 'big.img', '-']));
    assert.ok(piped.stdoutBytes.equals(v1));
    assert.equal(piped.stderr, '');
  });

  it('asks before replacing an existing DEST: refuses without a terminal, replaces with --force', async () => {
    const dest = join(dir, 'existing.img');
    await writeFile(dest, 'precious');
    const refused = await bob(['gi', 'big.img', dest]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--force/);
    assert.equal(await readFile(dest, 'utf8'), 'precious');
    ok(await bob(['gi', 'big.img', dest, '--force']));
    assert.ok((await readFile(dest)).equals(v1));
  });

  it('--continue resumes a cut download from DEST.part with a range request', async () => {
    const dest = join(dir, 'resumed.img');
    await writeFile(`${dest}.part`, v1.subarray(0, 2 * 1024 * 1024 + 5));
    const partials = rawRequests(206);
    ok(await bob(['gi', 'big.img', dest, '--continue']));
    assert.ok((await readFile(dest)).equals(v1));
    assert.equal(await exists(`${dest}.part`), false);
    assert.equal(rawRequests(206), partials + 1, 'one 206 answer: only the rest was fetched');
  });

  it('without --continue a stale DEST.part is started over', async () => {
    const dest = join(dir, 'fresh.img');
    await writeFile(`${dest}.part`, 'garbage from an older attempt');
    ok(await bob(['gi', 'big.img', dest]));
    assert.ok((await readFile(dest)).equals(v1));
  });

  it('a corrupted DEST.part is caught by the sha256 check: exit 1, the .part removed, no DEST', async () => {
    const dest = join(dir, 'corrupt.img');
    const prefix = Buffer.from(v1.subarray(0, 1024 * 1024));
    prefix[1000] = (prefix[1000] ?? 0) ^ 0xff;
    await writeFile(`${dest}.part`, prefix);
    const result = await bob(['gi', 'big.img', dest, '--continue']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^repoman: the bytes received for big\.img have sha256 [0-9a-f]{64}, not [0-9a-f]{64} as the server states: removed .*corrupt\.img\.part; download it again\n$/);
    assert.equal(await exists(dest), false);
    assert.equal(await exists(`${dest}.part`), false);
  });

  it('a .part of a version since replaced restarts from zero (If-Range) and yields the new version', async () => {
    const dest = join(dir, 'replaced.img');
    await writeFile(`${dest}.part`, v1.subarray(0, 1024 * 1024));
    await writeFile(`${dest}.part.etag`, `"${sha256(v1)}"\n`);
    const v2 = randomBytes(3 * 1024 * 1024);
    const v2File = join(dir, 'v2.img');
    await writeFile(v2File, v2);
    ok(await bob(['up', 'big.img', v2File]));
    const fulls = rawRequests(200);
    ok(await bob(['gi', 'big.img', dest, '--continue']));
    assert.ok((await readFile(dest)).equals(v2));
    assert.equal(rawRequests(200), fulls + 1, 'the server sent the whole new version');
    assert.equal(await exists(`${dest}.part.etag`), false);
    ok(await bob(['up', 'big.img', v1File]));
  });

  it('draws a progress bar (bytes, percent, rate, ETA) on a terminal, for uploads and downloads', async () => {
    const up = ok(await s.asOnTerminal(s.bob)(['upload-image', 'big.img', v1File]));
    assert.match(up.stdout, /upload .*100% .*MiB\/.*MiB .*B\/s ETA/);
    assert.match(up.stdout, /repoman: uploaded .* sha256 [0-9a-f]{64}/);
    const dest = join(dir, 'on-terminal.img');
    const down = ok(await s.asOnTerminal(s.bob)(['download-image', 'big.img', dest]));
    assert.match(down.stdout, /download .*100% .*MiB\/.*MiB .*B\/s ETA/);
    assert.match(down.stdout, /sha256 [0-9a-f]{64} verified/);
    assert.ok((await readFile(dest)).equals(v1));
  });
});
