// The download fast path of the filesystem driver (FileBytes.sendTo and its BufferPool): the
// exact bytes of any range reach the destination in order, a buffer is never refilled before
// its write has called back, buffers go back to the pool and are reused, a destination that
// closes mid-way makes sendTo reject and closes the file without crashing anything, and many
// simultaneous downloads get smaller buffers so that their memory stays bounded.
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { BufferPool } from '../../../src/storage/buffer-pool.js';
import { FileBytes } from '../../../src/storage/fs/file-bytes.js';
import { FsBlobStore } from '../../../src/storage/fs/fs-blob-store.js';
import { sourceOf } from '../test-sources.js';

const KiB = 1024;

/**
 * A Writable that keeps a copy of what it got and calls back after `delayMs` (0: at once),
 * counting the chunks whose bytes changed before their callback (a buffer refilled too early).
 */
function collector(delayMs = 0): Writable & { bytes(): Buffer; writes: Buffer[]; overwritten: () => number } {
  const writes: Buffer[] = [];
  const copies: Buffer[] = [];
  let overwritten = 0;
  const sink = new Writable({
    highWaterMark: 16 * KiB,
    write(chunk: Buffer, _encoding, callback) {
      const copy = Buffer.from(chunk);
      writes.push(chunk);
      copies.push(copy);
      const done = (): void => {
        if (!chunk.equals(copy)) overwritten += 1;
        callback();
      };
      if (delayMs === 0) done();
      else setTimeout(done, delayMs);
    },
  });
  return Object.assign(sink, { bytes: () => Buffer.concat(copies), writes, overwritten: () => overwritten });
}

describe('FileBytes.sendTo', () => {
  let dir: string;
  let path: string;
  const content = randomFillSync(Buffer.alloc(300 * KiB + 123));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repoman-filebytes-'));
    path = join(dir, 'blob');
    await writeFile(path, content);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const bytesOf = async (start: number, length: number, pool: BufferPool): Promise<FileBytes> =>
    new FileBytes(await open(path, 'r'), start, length, pool);

  it('sends exactly the bytes of the whole file and of ranges, whatever the buffer size', async () => {
    for (const bufferBytes of [1, 7 * KiB, 64 * KiB, 1024 * KiB]) {
      for (const [start, length] of [[0, content.length], [1, 64 * KiB], [100 * KiB + 5, 200 * KiB], [content.length - 1, 1], [0, 0]] as const) {
        if (bufferBytes === 1 && length > 64 * KiB) continue;
        const out = collector();
        const bytes = await bytesOf(start, length, new BufferPool(bufferBytes, 4));
        await bytes.sendTo(out);
        assert.ok(out.bytes().equals(content.subarray(start, start + length)), `buffer ${bufferBytes}, range ${start}+${length}`);
        assert.equal(bytes.destroyed, true, 'the file is closed once sent');
      }
    }
  });

  it('never refills a buffer before its write called back, and gives both buffers back for reuse', async () => {
    const pool = new BufferPool(16 * KiB, 4);
    const out = collector(3); // a slow connection: each write completes 3 ms later
    await (await bytesOf(0, content.length, pool)).sendTo(out);
    await sleep(20); // the last write's callback returns its buffer
    assert.equal(out.overwritten(), 0, 'no chunk changed before its write called back');
    assert.ok(out.bytes().equals(content));
    assert.equal(pool.idle, 2);
    const again = pool.acquire();
    assert.ok(out.writes.some((chunk) => chunk.buffer === again.buffer), 'a pooled buffer is reused');
  });

  it('rejects when the destination closes mid-way, closes the file, and leaves in-flight buffers out of the pool', async () => {
    const pool = new BufferPool(8 * KiB, 4);
    const out = new Writable({
      write(_chunk, _encoding, callback) {
        setTimeout(callback, 2);
      },
    });
    const bytes = await bytesOf(0, content.length, pool);
    const sending = bytes.sendTo(out);
    await sleep(10);
    out.destroy();
    await assert.rejects(sending, /closed before the download ended/);
    assert.equal(bytes.destroyed, true);
    assert.ok(pool.idle <= 2);
  });

  it('sendTo is refused once the stream has been read', async () => {
    const bytes = await bytesOf(0, 10, new BufferPool(KiB, 2));
    await once(bytes, 'data');
    await assert.rejects(bytes.sendTo(collector()), /already being read/);
    bytes.destroy();
  });
});

describe('FsBlobStore download buffers', () => {
  it('shrinks the read chunk as simultaneous downloads add up, and restores it when they end', async () => {
    const root = await mkdtemp(join(tmpdir(), 'repoman-blobs-'));
    try {
      const store = await FsBlobStore.open(root);
      const upload = await store.createUpload();
      await upload.write(sourceOf('some image bytes'));
      const { key } = await upload.commit();
      const open150 = await Promise.all(Array.from({ length: 150 }, () => store.read(key)));
      const sizes = open150.map((bytes) => bytes.readableHighWaterMark);
      // The reads complete in any order: count the sizes, not their places.
      assert.equal(sizes.filter((size) => size === 1024 * KiB).length, 16);
      assert.equal(sizes.filter((size) => size === 64 * KiB).length, 134);
      assert.ok(sizes.reduce((sum, size) => sum + 2 * size, 0) <= 32 * 1024 * KiB + 150 * 128 * KiB, 'two buffers each: 32 MiB + 128 KiB per download');
      for (const bytes of open150) bytes.destroy();
      await sleep(20);
      assert.equal((await store.read(key)).readableHighWaterMark, 1024 * KiB);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
