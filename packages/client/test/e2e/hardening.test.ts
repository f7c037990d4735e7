// Failures a user meets in ordinary use, through the built `repoman` and the real server:
// a download that fills the disk, uploads the server refuses (403), and each ends with one
// line and a documented exit code, never Node's 13 (a promise that never settled).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';

describe('repoman hardening against a real server', () => {
  let s: ClientSite;
  let bob: Runner;
  let pam: Runner;
  let dir: string;
  let big: string;
  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
    pam = s.as(s.pam);
    dir = join(s.site.dir, 'hardening');
    await mkdir(dir);
    big = join(dir, 'big.img');
    await writeFile(big, randomBytes(3 * 1024 * 1024 + 5));
    ok(await bob(['create-image', 'big.img', '--file', big]));
    ok(await bob(['share-image', 'big.img', '--user', 'pam']));
  });
  after(async () => {
    await s?.cleanup();
  });

  function ok(result: RunResult): RunResult {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  }
  const oneLine = (result: RunResult): string => {
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, `one line, not: ${result.stderr}`);
    return lines[0] as string;
  };

  it('a download to a full disk exits 1 saying so, keeps the .part and resumes with --continue (5 times, and on a terminal)', async () => {
    const mount = await mkdtemp(join(tmpdir(), 'repoman-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
    try {
      for (let round = 0; round < 5; round += 1) {
        const dest = join(mount, 'big.img');
        const result = await bob(['download-image', 'big.img', dest], { timeoutMs: 30_000 });
        assert.equal(result.code, 1, `exit ${result.code}: ${result.stderr}`);
        assert.equal(oneLine(result), `repoman: no space left on ${mount}; the partial download is kept in ${dest}.part; free space and run the same command with --continue`);
        assert.ok((await stat(`${dest}.part`)).size > 0, 'the .part is kept');
        for (const name of await readdir(mount)) await rm(join(mount, name));
      }
      // On a terminal too (it used to hang with a frozen bar), 5 times: the hashing thread's late
      // replies could end it with code 13 (see background-sha256.ts); then room is made and
      // --continue ends it.
      const dest = join(mount, 'big.img');
      for (let round = 0; round < 5; round += 1) {
        for (const name of await readdir(mount)) await rm(join(mount, name));
        const onTerminal = await s.asOnTerminal(s.bob)(['download-image', 'big.img', dest], { timeoutMs: 30_000 });
        assert.equal(onTerminal.code, 1, onTerminal.stdout);
        assert.match(onTerminal.stdout, /no space left on .*--continue/);
        assert.doesNotMatch(onTerminal.stdout, /internal error/);
      }
      execFileSync('mount', ['-o', 'remount,size=8m', mount]);
      ok(await bob(['download-image', 'big.img', dest, '--continue']));
      assert.deepEqual(await readFile(dest), await readFile(big));
    } finally {
      execFileSync('umount', [mount]);
      await rm(mount, { recursive: true });
    }
  });

  it('an upload the server refuses (403) exits 1 with its one line, never retried (30 times)', async () => {
    for (let round = 0; round < 30; round += 1) {
      const result = await pam(['upload-image', 'bob/big.img', big], { timeoutMs: 30_000 });
      assert.equal(result.code, 1, `round ${round}: exit ${result.code}: ${result.stderr}`);
      const line = oneLine(result);
      assert.doesNotMatch(line, /EPIPE|retrying/);
      assert.match(line, /^repoman: /);
    }
  });

  it('create-image --file MISSING checks the file before making the slot; a name taken says which command updates it', async () => {
    const missing = join(dir, 'nosuch.img');
    for (let round = 0; round < 2; round += 1) {
      const result = await bob(['create-image', 'fresh.img', '--file', missing]);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(oneLine(result), `repoman: no such file: ${missing}`);
    }
    assert.equal((await bob(['describe-image', 'fresh.img'])).code, 4, 'no slot was made');
    const taken = await bob(['create-image', 'big.img', '--file', big]);
    assert.equal(taken.code, 1);
    assert.match(oneLine(taken), new RegExp(`already has an image named big\\.img: to replace its bytes run repoman upload-image big\\.img ${big}; to change its metadata, repoman modify-image big\\.img$`));
  });

  it('download-image refuses a missing directory (DIR/ or DEST\'s parent) with one line, writing nothing', async () => {
    const missing = join(dir, 'nodir');
    for (const dest of [`${missing}/`, join(missing, 'x.img')]) {
      const result = await bob(['download-image', 'big.img', dest]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(oneLine(result), /^repoman: no such directory: .*nodir\/? \(create it first/);
    }
    assert.equal(await stat(missing).then(() => true, () => false), false);
  });

  it('--continue resumes a partial DEST that has no .part in place (wget -c), verified by its sha256', async () => {
    const dest = join(dir, 'partial.img');
    const whole = await readFile(big);
    await writeFile(dest, whole.subarray(0, 1024 * 1024 + 3));
    const result = ok(await bob(['download-image', 'big.img', dest, '--continue']));
    assert.equal(result.stderr, '');
    assert.deepEqual(await readFile(dest), whole);
    assert.equal(await stat(`${dest}.part`).then(() => true, () => false), false);
    // Bytes that are not a prefix of the image fail the check instead of passing for it.
    await writeFile(dest, randomBytes(1000));
    const wrong = await bob(['download-image', 'big.img', dest, '--continue']);
    assert.equal(wrong.code, 1);
    assert.match(oneLine(wrong), /sha256/);
    // More bytes than the image: not a partial copy of it, left alone.
    const larger = Buffer.concat([whole, Buffer.from('x')]);
    await writeFile(dest, larger);
    const refused = await bob(['download-image', 'big.img', dest, '--continue']);
    assert.equal(refused.code, 1);
    assert.match(oneLine(refused), /not a partial download of it/);
    assert.deepEqual(await readFile(dest), larger);
  });

  it('messages speak repoman, not HTTP: OWNER/NAME offered for a bare name, modify-image for a read-only image', async () => {
    const admin = s.as(s.admin);
    ok(await admin(['create-image', 'rhel.img']));
    ok(await admin(['share-image', 'rhel.img', '--user', 'bob']));
    const missing = await bob(['describe-image', 'rhel.img']);
    assert.equal(missing.code, 4);
    assert.match(oneLine(missing), /^repoman: you have no image named rhel\.img; did you mean admin\/rhel\.img\?/);
    const none = await bob(['describe-image', 'nosuch.img']);
    assert.equal(none.code, 4);
    assert.doesNotMatch(oneLine(none), /\/api\//);

    ok(await bob(['modify-image', 'big.img', '--read-only', 'true']));
    const refused = await bob(['upload-image', 'big.img', big]);
    assert.equal(refused.code, 1);
    assert.equal(oneLine(refused), 'repoman: bob/big.img is read-only: clear it first with repoman modify-image bob/big.img --read-only false');
    ok(await bob(['modify-image', 'big.img', '--read-only', 'false']));
  });

  it('a refused legacy proxy is told so, not to get its DN registered', async () => {
    const legacy = join(dir, 'legacy-proxy');
    s.site.gridTool(s.bob, 'grid-proxy-init', ['-q', '-old', '-out', legacy]);
    const result = await bob(['whoami'], { env: { X509_USER_PROXY: legacy } });
    assert.equal(result.code, 3, result.stderr);
    assert.doesNotMatch(oneLine(result), /register/);
  });

  it('under sudo without X509_USER_PROXY, a missing or expired proxy mentions sudo -E and --proxy', { skip: existsSync('/tmp/x509up_u0') && 'root has a proxy here' }, async () => {
    const result = await bob(['whoami'], { env: { X509_USER_PROXY: undefined, SUDO_USER: 'bob', SUDO_UID: '1234' } });
    assert.equal(result.code, 3, result.stderr);
    assert.match(oneLine(result), /sudo -E .*--proxy \/tmp\/x509up_u1234/);
  });
});
