// `Expect: 100-continue` (SPEC §3 image bytes): the upload is decided (identity, access,
// length) before `100 Continue`. With real curl -T of a 32 MiB file over a real socket, a user
// the image is only shared with gets 403 without 100 and curl uploads (almost) nothing; an
// anonymous caller gets 401 the same way; the owner gets 100, then 200 with the new bytes.
// Each at least 10 times, since the old behaviour failed only now and then.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createWithBytes } from './helpers/image-helpers.js';
import { listen } from './helpers/listen.js';
import { randomFile, sha256OfFile } from './helpers/test-files.js';
import { createTestApp, TEST_DN_HEADER, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';
const SIZE = 32 * 1024 * 1024;
let t: TestApp;
let base: string;
let dir: string;
let file: string;

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
  await createWithBytes(t, BOB, 'bob', 'shared.img', 'bob v1');
  assert.equal((await t.request('PUT', '/api/images/shared.img/share/user/pam', { dn: BOB })).statusCode, 200);
  ({ base } = await listen(t));
  dir = await mkdtemp(join(tmpdir(), 'repoman-expect-'));
  file = join(dir, 'upload.img');
  await randomFile(file, SIZE);
});
after(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

interface Upload {
  /** Every status line curl saw, in order (100 first when it was sent). */
  statuses: number[];
  uploaded: number;
  body: string;
}

/** curl runs beside the server in this process: never spawnSync, which would stop the server. */
async function curlPut(dn: string | undefined): Promise<Upload> {
  const args = ['-sS', '-D', '-', '-T', file, '-H', 'Expect: 100-continue', '-w', '\n%{size_upload}'];
  if (dn !== undefined) args.push('-H', `${TEST_DN_HEADER}: ${encodeURIComponent(dn)}`);
  const { stdout: out } = await promisify(execFile)('curl', [...args, `${base}/api/images/raw/bob/shared.img`], { encoding: 'latin1', timeout: 60_000 });
  const statuses = [...out.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));
  const lines = out.trimEnd().split('\n');
  return { statuses, uploaded: Number(lines.at(-1)), body: out };
}

test('a sharee is refused 403 before 100 Continue: curl sends (almost) nothing, 10 times', async () => {
  for (let run = 0; run < 10; run += 1) {
    const upload = await curlPut(PAM);
    assert.deepEqual(upload.statuses, [403], upload.body);
    assert.match(upload.body, /"code":"FORBIDDEN"/);
    assert.ok(upload.uploaded < 1024 * 1024, `run ${run}: curl uploaded ${upload.uploaded} bytes`);
  }
});

test('an anonymous caller is refused 401 before 100 Continue, 10 times', async () => {
  for (let run = 0; run < 10; run += 1) {
    const upload = await curlPut(undefined);
    assert.deepEqual(upload.statuses, [401], upload.body);
    assert.ok(upload.uploaded < 1024 * 1024, `run ${run}: curl uploaded ${upload.uploaded} bytes`);
  }
});

test('the owner gets 100 Continue, then 200 with the new bytes, 10 times', async () => {
  const expected = await sha256OfFile(file);
  for (let run = 0; run < 10; run += 1) {
    const upload = await curlPut(BOB);
    assert.deepEqual(upload.statuses, [100, 200], upload.body.slice(0, 500));
    assert.equal(upload.uploaded, SIZE);
  }
  const view = await t.request('GET', '/api/images/bob/shared.img', { dn: BOB });
  assert.equal(view.json().checksum.value, expected);
});
