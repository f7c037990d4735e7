// A download's .part file: page-aligned batches go to the device around the page cache
// (checked with util-linux's fincore: none of those bytes are resident), any length
// round-trips exactly (the unaligned tail through the buffered descriptor), a file resumed at
// an unaligned size is continued exactly (buffered), one resumed at a whole number of blocks
// directly, a truncation restarts it, and a buffer the kernel refuses for O_DIRECT turns the
// file buffered without losing a byte, network file systems are written through the cache.
// The aligned allocator hands out page-aligned, disjoint slices of shared memory.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALIGNMENT, alignedSharedBuffers } from '../src/aligned-memory.js';
import { DirectFile, directWritesSuit } from '../src/direct-file.js';

const MiB = 1024 * 1024;

/** Bytes of `path` in the page cache. */
function residentBytes(path: string): number {
  return Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' }).trim());
}

describe('DirectFile', () => {
  let dir: string;
  let n = 0;
  const allocate = alignedSharedBuffers();
  const next = (): string => join(dir, `download-${n++}.part`);

  /** `content` in page-aligned batches of at most 1 MiB, as SharedBatches hands them over. */
  const appendInBatches = async (file: DirectFile, content: Buffer): Promise<void> => {
    const batch = allocate(MiB);
    for (let offset = 0; offset < content.length; offset += MiB) {
      const length = content.copy(batch, 0, offset, Math.min(offset + MiB, content.length));
      await file.append(batch.subarray(0, length));
    }
  };

  before(async () => {
    // Under the system's temp directory: a disk file system here (ext4), where downloads go.
    dir = await mkdtemp(join(tmpdir(), 'repoman-direct-file-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes aligned batches around the page cache, and the tail through it', async () => {
    const path = next();
    const file = await DirectFile.create(path);
    assert.equal(file.direct, true, `${dir} accepts O_DIRECT on this machine's disk`);
    const content = randomBytes(8 * MiB + 1000);
    await appendInBatches(file, content);
    await file.sync();
    assert.equal(file.size, content.length);
    assert.equal(file.direct, true);
    await file.close();
    // Only the last, partly filled page went through the cache.
    assert.ok(residentBytes(path) <= 4096, `resident ${residentBytes(path)} bytes`);
    assert.ok((await readFile(path)).equals(content));
  });

  it('round-trips every length around the block size', async () => {
    for (const length of [0, 1, 4095, 4096, 4097, MiB + 7]) {
      const path = next();
      const file = await DirectFile.create(path);
      const content = randomBytes(length);
      const batch = allocate(Math.max(length, 1)).subarray(0, length);
      content.copy(batch);
      await file.append(batch);
      await file.append(batch); // twice: the second starts at an unaligned position for odd lengths
      assert.equal(file.size, 2 * length);
      await file.sync();
      await file.close();
      assert.ok((await readFile(path)).equals(Buffer.concat([content, content])), `length ${length}`);
    }
  });

  it('empties an existing file when created', async () => {
    const path = next();
    await writeFile(path, 'garbage from an older attempt');
    const file = await DirectFile.create(path);
    const content = randomBytes(MiB + 7);
    await appendInBatches(file, content);
    await file.close();
    assert.ok((await readFile(path)).equals(content));
  });

  it('continues a file kept at an unaligned size exactly (buffered)', async () => {
    const path = next();
    const kept = randomBytes(2 * MiB + 5);
    await writeFile(path, kept);
    const file = await DirectFile.openToAppend(path);
    assert.equal(file.size, kept.length);
    const rest = randomBytes(3 * MiB + 4097);
    await appendInBatches(file, rest);
    assert.equal(file.size, kept.length + rest.length);
    await file.sync();
    await file.close();
    assert.ok((await readFile(path)).equals(Buffer.concat([kept, rest])));
  });

  it('continues a file kept at a whole number of blocks around the page cache', async () => {
    const path = next();
    const kept = randomBytes(MiB);
    await writeFile(path, kept);
    const file = await DirectFile.openToAppend(path);
    assert.equal(file.direct, true);
    const rest = randomBytes(4 * MiB);
    await appendInBatches(file, rest);
    await file.sync();
    await file.close();
    // At most the kept MiB (written by writeFile, through the cache) is resident.
    assert.ok(residentBytes(path) <= MiB, `resident ${residentBytes(path)} bytes`);
    assert.ok((await readFile(path)).equals(Buffer.concat([kept, rest])));
  });

  it('truncates: the next write goes to the new end, directly again from an aligned one', async () => {
    const path = next();
    await writeFile(path, randomBytes(3 * MiB + 11));
    const file = await DirectFile.openToAppend(path);
    await file.truncate(MiB);
    assert.equal(file.size, MiB);
    await file.truncate(0);
    const content = randomBytes(2 * MiB + 3);
    await appendInBatches(file, content);
    assert.equal(file.direct, true);
    await file.close();
    assert.ok((await readFile(path)).equals(content));
  });

  it('falls back to buffered writes when the kernel refuses the buffer', async () => {
    const path = next();
    const file = await DirectFile.create(path);
    assert.equal(file.direct, true);
    const aligned = allocate(MiB);
    randomBytes(MiB).copy(aligned);
    await file.append(aligned);
    assert.equal(file.direct, true, 'the allocator\'s buffers are aligned enough for O_DIRECT');
    // A view 16 bytes into a page: not aligned for O_DIRECT.
    const unaligned = allocate(2 * MiB).subarray(16, 16 + MiB);
    randomBytes(MiB).copy(unaligned);
    await file.append(unaligned);
    assert.equal(file.direct, false);
    await file.append(aligned);
    await file.truncate(MiB + 4096);
    await file.append(aligned);
    await file.sync();
    await file.close();
    const expected = Buffer.concat([aligned, unaligned.subarray(0, 4096), aligned]);
    assert.ok((await readFile(path)).equals(expected));
  });

  it('writes through the cache when asked, and suits direct writes to local disks only', async () => {
    assert.equal(await directWritesSuit(dir), true);
    const path = next();
    const file = await DirectFile.create(path, { direct: false });
    assert.equal(file.direct, false);
    const content = randomBytes(MiB);
    await appendInBatches(file, content);
    await file.close();
    assert.ok(residentBytes(path) >= MiB - 4096, 'buffered bytes are in the page cache');
    assert.ok((await readFile(path)).equals(content));
    const resumed = await DirectFile.openToAppend(path, false);
    assert.equal(resumed.direct, false);
    await appendInBatches(resumed, content);
    await resumed.close();
    assert.ok((await readFile(path)).equals(Buffer.concat([content, content])));
  });

  it('hands out page-aligned shared buffers of the size asked, never overlapping', () => {
    const fresh = alignedSharedBuffers();
    const buffers = Array.from({ length: 20 }, () => fresh(MiB - 10));
    for (const buffer of buffers) {
      assert.equal(buffer.length, MiB - 10);
      assert.equal(buffer.byteOffset % ALIGNMENT, 0);
      assert.ok(buffer.buffer instanceof SharedArrayBuffer);
    }
    buffers.forEach((buffer, i) => buffer.fill(i));
    buffers.forEach((buffer, i) => assert.ok(buffer.every((byte) => byte === i)));
  });
});
