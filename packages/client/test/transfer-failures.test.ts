// Transfer failures a real server will not produce on demand, driven through the built
// `repoman` against a local HTTPS stub (verified with the grid site's CA, like the real
// server): wrong bytes caught by the sha256 check, a connection cut mid-download resumed
// automatically, 5xx retried a bounded number of times (uploads re-read the file), 4xx never
// retried, the digest sent after an upload's bytes (a trailer), and Ctrl-C leaving no partial DEST.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeGridSite, type GridSite, type GridUser } from '../../server/test/helpers/grid-site.js';
import { runRepoman, type RunOptions, type RunResult } from './helpers/run-repoman.js';
import { startStubServer, type StubServer } from './helpers/stub-server.js';

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);
const sizeOf = (path: string): Promise<number> => stat(path).then((info) => info.size, () => -1);

describe('transfer failures, against a stub server', () => {
  let site: GridSite;
  let bob: GridUser;
  let stub: StubServer;
  let bytes: Buffer;
  let file: string;
  before(async () => {
    site = await makeGridSite();
    bob = await site.user('bob');
    bytes = randomBytes(4 * 1024 * 1024 + 17);
    stub = await startStubServer(site, bytes);
    file = join(site.dir, 'upload.img');
    await writeFile(file, bytes);
  });
  after(async () => {
    await stub?.close();
    await site?.cleanup();
  });

  const repoman = (args: string[], options: RunOptions = {}): Promise<RunResult> => runRepoman(args, {
    ...options,
    env: { HOME: site.dir, X509_USER_PROXY: bob.proxyPath, X509_CERT_DIR: site.caDir, REPOMAN_SERVER: stub.url, ...options.env },
  });
  const hits = (method: string, name: string): Array<StubServer['requests'][number]> =>
    stub.requests.filter((request) => request.method === method && request.path === `/api/images/raw/${name}`);

  it('wrong bytes fail the sha256 check: exit 1, one line, no DEST, the .part removed', async () => {
    const dest = join(site.dir, 'wrong.img');
    const result = await repoman(['download-image', 'wrong.img', dest]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^repoman: the bytes received for wrong\.img have sha256 [0-9a-f]{64}, not [0-9a-f]{64} as the server states: removed .*\.part; download it again\n$/);
    assert.equal(await exists(dest), false);
    assert.equal(await exists(`${dest}.part`), false);
  });

  it('wrong bytes to stdout fail too (exit 1), saying not to use what was written', async () => {
    const result = await repoman(['gi', 'wrong.img', '-']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /sha256 .*do not use the bytes written/);
  });

  it('a connection cut mid-download is retried from where the bytes on disk end (Range + If-Range)', async () => {
    const dest = join(site.dir, 'cut.img');
    const result = await repoman(['gi', 'cut.img', dest]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await readFile(dest)).equals(bytes));
    const gets = hits('GET', 'cut.img');
    assert.equal(gets.length, 2);
    assert.match(gets[1]?.headers.range ?? '', /^bytes=\d+-$/);
    assert.equal(gets[1]?.headers['if-range'], `"${createHash('sha256').update(bytes).digest('hex')}"`);
  });

  it('a 503 is retried; a server that stays down is given up after 4 tries (exit 1)', async () => {
    const dest = join(site.dir, 'flaky.img');
    const flaky = await repoman(['gi', 'flaky.img', dest]);
    assert.equal(flaky.code, 0, flaky.stderr);
    assert.ok((await readFile(dest)).equals(bytes));
    assert.equal(hits('GET', 'flaky.img').length, 2);
    assert.match(flaky.stderr, /retrying/);
    const down = await repoman(['gi', 'down.img', join(site.dir, 'down.img')], { timeoutMs: 30_000 });
    assert.equal(down.code, 1);
    assert.equal(hits('GET', 'down.img').length, 4);
    assert.match(down.stderr, /not ready.*try again later/);
  });

  it('a 404 is not retried and exits 4', async () => {
    const result = await repoman(['gi', 'missing.img', join(site.dir, 'missing.img')]);
    assert.equal(result.code, 4);
    assert.equal(stub.requests.filter((request) => request.path.endsWith('/missing.img')).length, 1);
  });

  it('an upload streams a chunked body and sends the file\'s sha256 after it, as a Repr-Digest trailer', async () => {
    const result = await repoman(['upload-image', 'plain.img', file]);
    assert.equal(result.code, 0, result.stderr);
    const [put] = hits('PUT', 'plain.img');
    assert.equal(put?.headers['transfer-encoding'], 'chunked');
    assert.equal(put?.headers.trailer, 'Repr-Digest');
    assert.equal(put?.trailers['repr-digest'], `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`);
    assert.equal(put?.bodyBytes, bytes.length);
  });

  it('--delta without a block list on the server (not ready, or an older server) uploads the whole file and says why', async () => {
    for (const [name, why] of [['delta.img', /the server has no block list of version 1 yet: uploading the whole image/], ['old-server.img', /the server does not offer delta uploads: uploading the whole image/]] as const) {
      const result = await repoman(['upload-image', '--delta', name, file]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, why);
      assert.equal(hits('PUT', name)[0]?.bodyBytes, bytes.length, 'the whole file went');
    }
  });

  it('an upload answered 503 is sent again from the start of the file', async () => {
    const result = await repoman(['up', 'flaky-up.img', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(hits('PUT', 'flaky-up.img').map((put) => put.bodyBytes), [bytes.length, bytes.length]);
  });

  it('a 422 (checksum mismatch) is not retried and says the previous version is kept', async () => {
    const result = await repoman(['up', 'bad-digest.img', file]);
    assert.equal(result.code, 1);
    assert.equal(hits('PUT', 'bad-digest.img').length, 1);
    assert.match(result.stderr, /^repoman: .*checksum.*previous version.*upload it again\n$/);
  });

  it('create-image --file whose upload fails removes the slot it created, so that the same command can be run again', async () => {
    const seen = stub.requests.length;
    const result = await repoman(['create-image', 'bad-digest.img', '--file', file]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^repoman: .*upload it again\n$/);
    assert.deepEqual(stub.requests.slice(seen).map((request) => `${request.method} ${request.path}`),
      ['POST /api/images', 'PUT /api/images/raw/bad-digest.img', 'DELETE /api/images/bad-digest.img']);
  });

  it('an upload whose answer states another checksum is an error', async () => {
    const result = await repoman(['up', 'lying-up.img', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /stored lying-up\.img with sha256 0{64}, but the file's is/);
  });

  it('Ctrl-C during a download keeps DEST.part and writes no DEST; --continue then completes it', async () => {
    const dest = join(site.dir, 'stall.img');
    const result = await repoman(['gi', 'stall.img', dest], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          void sizeOf(`${dest}.part`).then((size) => {
            if (size > 0) {
              clearInterval(poll);
              child.kill('SIGINT');
            }
          });
        }, 20);
        child.once('close', () => clearInterval(poll));
      },
    });
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /^repoman: interrupted: kept .*stall\.img\.part; run the same command with --continue to resume\n$/);
    assert.equal(await exists(dest), false, 'no partial DEST');
    const kept = await sizeOf(`${dest}.part`);
    assert.ok(kept > 0 && kept < bytes.length, `kept ${kept} bytes`);
    const resumed = await repoman(['gi', 'stall.img', dest, '--continue']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok((await readFile(dest)).equals(bytes));
    assert.equal(hits('GET', 'stall.img').at(-1)?.headers.range, `bytes=${kept}-`);
  });

  it('Ctrl-C during an upload exits 130 saying the server keeps the previous version', async () => {
    const result = await repoman(['up', 'slow-up.img', file], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (hits('PUT', 'slow-up.img').length > 0) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
        child.once('close', () => clearInterval(poll));
      },
    });
    assert.equal(result.code, 130);
    assert.match(result.stderr, /^repoman: interrupted: the upload was abandoned and the server keeps the previous version\n$/);
  });
});
