/**
 * The delta re-save's exchange as the server sees it (against the HTTPS stub, which records
 * every request): the upload based on version 1 is created before the file is hashed, so it
 * announces no sha256 (the server copies meanwhile); the changed block goes at its offset; the
 * empty PATCH that commits carries the whole file's sha256 in `Repoman-Image-Checksum`. A server
 * of the first delta release, which wants that sha256 at creation (400), gets the upload created
 * again with it once the file is hashed, and the re-save still succeeds. A creation refused
 * (the version was dropped meanwhile) is the command's error, and no block is sent.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeGridSite, type GridSite, type GridUser } from '../../server/test/helpers/grid-site.js';
import { runRepoman, type RunResult } from './helpers/run-repoman.js';
import { startStubServer, type StubServer } from './helpers/stub-server.js';

describe('the delta re-save exchange', () => {
  let site: GridSite;
  let bob: GridUser;
  let stub: StubServer;
  let file: string;
  let checksum: string;
  before(async () => {
    site = await makeGridSite();
    bob = await site.user('bob');
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    checksum = `sha256 ${createHash('sha256').update(bytes).digest('base64')}`;
    stub = await startStubServer(site, bytes);
    file = join(site.dir, 'image.img');
    await writeFile(file, bytes);
  });
  after(async () => {
    await stub?.close();
    await site?.cleanup();
  });

  const repoman = (args: string[]): Promise<RunResult> => runRepoman(args, {
    env: { HOME: site.dir, X509_USER_PROXY: bob.proxyPath, X509_CERT_DIR: site.caDir, REPOMAN_SERVER: stub.url },
  });
  const exchange = (name: string) => stub.requests.filter((r) => r.path.includes(`/${name}`) && r.method !== 'GET');

  it('creates the upload without a sha256, sends the changed block, commits with Repoman-Image-Checksum', async () => {
    const result = await repoman(['upload-image', '--delta', 'delta-late.img', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /1 of 1 blocks changed since version 1/);
    const [create, block, commit, ...rest] = exchange('delta-late.img');
    assert.equal(rest.length, 0);
    assert.equal(create?.method, 'POST');
    assert.equal(create?.headers['repoman-base-version'], '1');
    assert.equal(create?.headers['upload-metadata'], undefined, 'created before the file is hashed');
    assert.equal(block?.headers['repoman-block-offset'], '0');
    assert.equal(block?.bodyBytes, 3 * 1024 * 1024 + 5);
    assert.equal(commit?.headers['upload-offset'], String(3 * 1024 * 1024 + 5));
    assert.equal(commit?.headers['repoman-image-checksum'], checksum);
  });

  it('a server of the first delta release gets the upload created again with the sha256', async () => {
    const result = await repoman(['upload-image', '--delta', 'delta-first-x.img', file]);
    assert.equal(result.code, 0, result.stderr);
    const posts = exchange('delta-first-x.img').filter((r) => r.method === 'POST');
    assert.equal(posts.length, 2);
    assert.equal(Buffer.from(String(posts[1]?.headers['upload-metadata'] ?? '').split(' ')[1] ?? '', 'base64').toString(), createHash('sha256').update(stub.bytes).digest('hex'));
    const patches = exchange('delta-first-x.img').filter((r) => r.method === 'PATCH');
    assert.deepEqual(patches.map((r) => r.path), ['/api/uploads/delta-first-x.img-2', '/api/uploads/delta-first-x.img-2']);
  });

  it('a refused creation is the error, and no block goes', async () => {
    const result = await repoman(['upload-image', '--delta', 'delta-gone-x.img', file]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /keeps no version 1/);
    assert.deepEqual(exchange('delta-gone-x.img').map((r) => r.method), ['POST']);
  });
});
