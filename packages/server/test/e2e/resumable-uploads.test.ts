// Resumable uploads with real clients, unchanged, against the real server process over TLS
// with a grid proxy: plain `curl` doing POST, PATCH, HEAD, PATCH by hand; and the npm
// `tus-js-client` in Node whose connection is cut mid-way and whose server is restarted
// meanwhile, resuming by itself from the server's offset to a verified new version. Neither
// sends a byte twice beyond what the server had not yet made durable.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { ClientRequest } from 'node:http';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DefaultHttpStack, Upload, type HttpRequest } from 'tus-js-client';
import { curl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { sha256OfFile } from '../helpers/test-files.js';

const MIB = 1024 * 1024;

describe('resumable uploads with real clients', () => {
  let site: GridSite;
  let repo: Repository;
  let bob: GridUser;

  const as = (path: string, extra: Partial<Parameters<typeof curl>[1]> = {}) => curl(`${repo.url}${path}`, { caDir: site.caDir, credential: bob.proxyPath, ...extra });
  const file = (name: string): string => join(site.dir, name);
  const record = (name: string) => as(`/api/images/${name}`).json as { version: number; size: number; checksum: { value: string } };
  const downloadedSha = async (name: string): Promise<string> => {
    assert.equal(as(`/api/images/raw/${name}`, { args: ['-o', file('check.out')] }).status, 200);
    return sha256OfFile(file('check.out'));
  };

  before(async () => {
    site = await makeGridSite();
    bob = await site.user('bob');
    repo = await startRepository({ site, adminDns: [bob.dn] });
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('curl: POST, PATCH, HEAD, PATCH make a verified new version', async () => {
    assert.equal(as('/api/images', { method: 'POST', json: { name: 'curl.img' } }).status, 201);
    const content = randomBytes(5 * MIB + 17);
    const sha = createHash('sha256').update(content).digest('hex');
    await writeFile(file('part1'), content.subarray(0, 3 * MIB));
    await writeFile(file('part2'), content.subarray(3 * MIB));
    const tus = ['-H', 'Tus-Resumable: 1.0.0'];
    const created = as('/api/images/curl.img/uploads', {
      method: 'POST',
      args: [...tus, '-H', `Upload-Length: ${content.length}`, '-H', `Upload-Metadata: sha256 ${Buffer.from(sha).toString('base64')}`],
    });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.headers['tus-resumable'], '1.0.0');
    const location = created.headers.location!;
    const patch = (offset: number, part: string) =>
      as(location, { method: 'PATCH', args: [...tus, '-H', 'Content-Type: application/offset+octet-stream', '-H', `Upload-Offset: ${offset}`, '--data-binary', `@${file(part)}`] });
    const first = patch(0, 'part1');
    assert.equal(first.status, 204, first.body);
    assert.equal(first.headers['upload-offset'], String(3 * MIB));
    const head = as(location, { args: [...tus, '-I'] });
    assert.equal(head.status, 200);
    assert.equal(head.headers['upload-offset'], String(3 * MIB));
    assert.equal(head.headers['upload-length'], String(content.length));
    const last = patch(3 * MIB, 'part2');
    assert.equal(last.status, 204, last.body);
    assert.equal(record('curl.img').version, 1);
    assert.equal(record('curl.img').checksum.value, sha);
    assert.equal(await downloadedSha('curl.img'), sha);
  });

  it('tus-js-client: a cut connection and a server restart mid-way, then it resumes from the offset to a verified image', async () => {
    assert.equal(as('/api/images', { method: 'POST', json: { name: 'tus.img' } }).status, 201);
    const content = randomBytes(96 * MIB);
    const sha = createHash('sha256').update(content).digest('hex');
    const credential = await readFile(bob.proxyPath);
    const ca = await Promise.all((await readdir(site.caDir)).filter((name) => name.endsWith('.0')).map((name) => readFile(join(site.caDir, name))));
    const patches: number[] = [];
    let cut = false;
    let restarted: Promise<void> | undefined;

    await new Promise<void>((resolve, reject) => {
      const upload = new Upload(content, {
        endpoint: `${repo.url}/api/images/tus.img/uploads`,
        metadata: { sha256: sha, filename: 'tus.img' },
        httpStack: new DefaultHttpStack({ cert: credential, key: credential, ca }),
        retryDelays: [500, 1000, 1000, 2000, 2000, 3000, 3000, 5000, 5000, 5000],
        onBeforeRequest: (request: HttpRequest) => {
          if (request.getMethod() === 'PATCH') patches.push(Number(request.getHeader('Upload-Offset')));
        },
        onProgress: (sent) => {
          if (cut || sent < 40 * MIB) return;
          cut = true;
          // The connection dies mid-PATCH, and the server restarts before the client retries.
          (upload as unknown as { _req: { getUnderlyingObject(): ClientRequest } })._req.getUnderlyingObject().destroy(new Error('cable cut'));
          restarted = repo.restart();
        },
        onSuccess: () => resolve(),
        onError: reject,
      });
      upload.start();
    });
    await restarted;

    assert.ok(cut, 'the connection was cut');
    assert.ok(patches.length >= 2, `PATCHes at ${JSON.stringify(patches)}`);
    assert.equal(patches[0], 0);
    const resumedAt = patches.at(-1)!;
    assert.ok(resumedAt >= 16 * MIB && resumedAt < content.length, `resumed at ${resumedAt}: after what was stored, not from zero`);
    assert.equal(record('tus.img').version, 1);
    assert.equal(record('tus.img').size, content.length);
    assert.equal(await downloadedSha('tus.img'), sha);
    assert.deepEqual(await readdir(join(repo.dataDir, 'images', 'resumable')), [], 'no partial bytes left');
  });
});
