/**
 * blockListOf: the stream's blocks are cut at fixed offsets whatever the chunking (a chunk
 * spanning several blocks, one-byte chunks), the last block is shorter, an exact multiple has
 * no empty last block, an empty stream has no block, and the whole sha256 is the stream's; a
 * file's list, made on a worker thread, is the same as its bytes'.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { blockListOfFile } from '../src/block-list-file.js';
import { BLOCK_LIST_BYTES, blockListOf } from '../src/block-sha256.js';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

test('blocks are cut at fixed offsets whatever the chunks; the last is shorter', async () => {
  const bytes = randomBytes(10 * 7 + 3);
  const expected = [0, 10, 20, 30, 40, 50, 60, 70].map((at) => sha(bytes.subarray(at, at + 10)));
  for (const chunk of [1, 3, 10, 25, 1000]) {
    const list = await blockListOf(chunksOf(bytes, chunk), 10);
    assert.deepEqual(list, { blockSize: 10, size: 73, sha256: sha(bytes), blocks: expected }, `chunks of ${chunk}`);
  }
});

test('an exact multiple has no empty last block; an empty stream has no block', async () => {
  const bytes = randomBytes(40);
  assert.equal((await blockListOf(chunksOf(bytes, 7), 10)).blocks.length, 4);
  assert.deepEqual(await blockListOf(chunksOf(Buffer.alloc(0), 1)), { blockSize: BLOCK_LIST_BYTES, size: 0, sha256: sha(Buffer.alloc(0)), blocks: [] });
});

test('blockListOfFile lists a file as blockListOf lists its bytes, on a worker; a missing file rejects', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'block-list-'));
  try {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(dir, 'image'), bytes);
    const expected = await blockListOf(chunksOf(bytes, 65536), 1024 * 1024);
    assert.deepEqual(await blockListOfFile(join(dir, 'image'), 1024 * 1024), expected);
    assert.equal((await blockListOfFile(join(dir, 'image'))).blocks.length, 1);
    await assert.rejects(blockListOfFile(join(dir, 'missing')), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
