/**
 * Block lists of versions (SPEC §3 "Blocks"): after an upload commits, the per-block sha256 of
 * its blob (8 MiB blocks, the last shorter) is computed in the background, not on the upload
 * path, and `GET …/versions/{n}/blocks` answers it; while it is being computed the answer is
 * 409 BLOCKS_NOT_READY (retry), and a missing version or an image the caller cannot see is a
 * 404 that changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { BlobBlockStore } from '../src/metadata/blob-block-store.js';
import { createWithBytes, putBytes, sha256Hex } from './helpers/image-helpers.js';
import { createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const PAM = '/O=Grid/CN=Pam';
const MIB = 1024 * 1024;
let t: TestApp;
// Record calls wait for this gate while it is set: the list stays "being computed".
let gate: Promise<void> | undefined;

const blocksOf = (bytes: Buffer, size = 8 * MIB): string[] => {
  const blocks: string[] = [];
  for (let at = 0; at < bytes.length; at += size) blocks.push(createHash('sha256').update(bytes.subarray(at, at + size)).digest('hex'));
  return blocks;
};

async function blocksWhenReady(path: string): Promise<Record<string, unknown>> {
  for (let tries = 0; tries < 200; tries += 1) {
    const response = await t.request('GET', path, { dn: BOB });
    if (response.statusCode === 200) return response.json();
    assert.equal(response.statusCode, 409, response.body);
    assert.equal(errorOf(response).code, 'BLOCKS_NOT_READY');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${path} never became ready`);
}

before(async () => {
  t = await createTestApp({
    wrapMetadata: (metadata) => {
      const blobBlocks: BlobBlockStore = {
        ...metadata.blobBlocks,
        record: async (key, list) => {
          await gate;
          return metadata.blobBlocks.record(key, list);
        },
      };
      return { ...metadata, blobBlocks };
    },
  });
  await t.addUser('bob', BOB);
  await t.addUser('pam', PAM);
});
after(() => t.close());

test('each version gets its block list in the background: 8 MiB blocks, the last shorter, and the whole sha256', async () => {
  const first = randomBytes(20 * MIB);
  await createWithBytes(t, BOB, 'bob', 'disk.img', first);
  const second = Buffer.concat([first.subarray(0, 16 * MIB), randomBytes(MIB)]);
  assert.equal((await putBytes(t, BOB, '/api/images/raw/disk.img', second)).statusCode, 200);

  const v1 = await blocksWhenReady('/api/images/disk.img/versions/1/blocks');
  assert.deepEqual(v1, { block_size: 8 * MIB, size: 20 * MIB, sha256: sha256Hex(first), blocks: blocksOf(first) });
  assert.equal((v1.blocks as string[]).length, 3);
  const v2 = await blocksWhenReady('/api/images/bob/disk.img/versions/2/blocks');
  assert.deepEqual(v2, { block_size: 8 * MIB, size: 17 * MIB, sha256: sha256Hex(second), blocks: blocksOf(second) });
  assert.deepEqual((v2.blocks as string[]).slice(0, 2), (v1.blocks as string[]).slice(0, 2), 'unchanged blocks have the same sha256');
});

test('while the list is computed the answer is 409 BLOCKS_NOT_READY, saying to retry; then it is there', async () => {
  let open!: () => void;
  gate = new Promise((resolve) => (open = resolve));
  try {
    await createWithBytes(t, BOB, 'bob', 'slow.img', 'a small image');
    const response = await t.request('GET', '/api/images/slow.img/versions/1/blocks', { dn: BOB });
    assert.equal(response.statusCode, 409);
    assert.equal(errorOf(response).code, 'BLOCKS_NOT_READY');
    assert.match(errorOf(response).message, /retry/);
  } finally {
    gate = undefined;
    open();
  }
  const list = await blocksWhenReady('/api/images/slow.img/versions/1/blocks');
  assert.deepEqual(list.blocks, [sha256Hex('a small image')]);
});

test('an empty version has no blocks; a missing version, an unseen image and bad numbers are 4xx', async () => {
  await createWithBytes(t, BOB, 'bob', 'empty.img', '');
  assert.deepEqual(await blocksWhenReady('/api/images/empty.img/versions/1/blocks'), { block_size: 8 * MIB, size: 0, sha256: sha256Hex(''), blocks: [] });
  const missing = await t.request('GET', '/api/images/empty.img/versions/9/blocks', { dn: BOB });
  assert.equal(missing.statusCode, 404);
  assert.equal(errorOf(missing).code, 'VERSION_NOT_FOUND');
  const unseen = await t.request('GET', '/api/images/bob/empty.img/versions/1/blocks', { dn: PAM });
  assert.equal(unseen.statusCode, 404);
  assert.equal(errorOf(unseen).code, 'IMAGE_NOT_FOUND');
  const bad = await t.request('GET', '/api/images/empty.img/versions/abc/blocks', { dn: BOB });
  assert.equal(bad.statusCode, 400, bad.body);
});
