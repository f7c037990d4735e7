/**
 * blockListOf: the stream's blocks are cut at fixed offsets whatever the chunking (a chunk
 * spanning several blocks, one-byte chunks), the last block is shorter, an exact multiple has
 * no empty last block, an empty stream has no block, and the whole sha256 is the stream's; a
 * file's list, made on two worker threads (blocks and whole sha256 at once), read through the
 * page cache or around it, is the same as its bytes' for every odd size (0, 1 byte, a block
 * less or more one byte, pieces smaller than a block, many pieces), and reports each block in
 * order as soon as it is hashed;
 * sha256OfFile (one thread, the whole sha256 only) agrees on every size.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { blockListOfFile, sha256OfFile } from '../src/block-list-file.js';
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

test('blockListOfFile on two threads equals one pass over the bytes on odd sizes, read through the page cache or around it, and tells each block in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'block-list-'));
  try {
    const block = 1024 * 1024;
    // 0, 1 byte, a block less one, a block more one; then many pieces.
    const cases: [number, number][] = [[0, block], [1, block], [block - 1, block], [block + 1, block], [20 * block + 5, 3 * block], [1000, 7]];
    for (const [size, blockSize] of cases) {
      const bytes = randomBytes(size);
      await writeFile(join(dir, 'image'), bytes);
      // Around the page cache too (a block size that is no multiple of 4 KiB reads through it).
      for (const direct of [false, true]) {
        const told: [number, string][] = [];
        const list = await blockListOfFile(join(dir, 'image'), blockSize, { direct, onBlock: (index, sha256) => told.push([index, sha256]) });
        assert.deepEqual(list, await blockListOf(chunksOf(bytes, 65536), blockSize), `${size} bytes in blocks of ${blockSize}, direct ${direct}`);
        assert.deepEqual(told, list.blocks.map((sha256, index) => [index, sha256]), `each block told once, in order (${size} bytes, direct ${direct})`);
      }
      assert.deepEqual(await sha256OfFile(join(dir, 'image')), { size, sha256: sha(bytes) }, `sha256OfFile of ${size} bytes`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('blockListOfFile: an onBlock that throws rejects the list and stops both threads', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'block-list-'));
  try {
    await writeFile(join(dir, 'image'), randomBytes(40 * 1024));
    await assert.rejects(blockListOfFile(join(dir, 'image'), 1024, { onBlock: () => { throw new Error('stop here'); } }), /stop here/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
