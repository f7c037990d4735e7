// DirectFile as the filesystem driver creates its upload's temporary file (exclusive, mode 0600): page-aligned batches go to the device around the
// page cache (checked with util-linux's fincore: none of those bytes are resident), any length
// round-trips exactly (the unaligned tail through the buffered descriptor), a buffer the
// kernel refuses for O_DIRECT turns the file buffered without losing a byte, network file
// systems are written through the cache, and the file is created exclusively with its mode.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALIGNMENT, alignedSharedBuffers } from '../src/aligned-memory.js';
import { DirectFile, directWritesSuit } from '../src/direct-file.js';

const UPLOAD = { mode: 0o600, exclusive: true } as const;

const MiB = 1024 * 1024;

/** Bytes of `path` in the page cache. */
function residentBytes(path: string): number {
  return Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' }).trim());
}

describe('DirectFile, exclusive', () => {
  let dir: string;
  let n = 0;
  const allocate = alignedSharedBuffers();
  const next = (): string => join(dir, `upload-${n++}`);

  before(async () => {
    // Under the system's temp directory: a disk file system here (ext4), as the blob store's is.
    dir = await mkdtemp(join(tmpdir(), 'repoman-upload-file-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes aligned batches around the page cache, and the tail through it', async () => {
    const path = next();
    const file = await DirectFile.create(path, UPLOAD);
    assert.equal(file.direct, true, `${dir} accepts O_DIRECT on this machine's disk`);
    const content = randomBytes(8 * MiB + 1000);
    for (let offset = 0; offset < content.length; offset += MiB) {
      const batch = allocate(MiB);
      const length = content.copy(batch, 0, offset, Math.min(offset + MiB, content.length));
      await file.append(batch.subarray(0, length));
    }
    await file.sync();
    assert.equal(file.size, content.length);
    await file.close();
    // Only the last, partly filled page went through the cache.
    assert.ok(residentBytes(path) <= 4096, `resident ${residentBytes(path)} bytes`);
    assert.ok((await readFile(path)).equals(content));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('round-trips every length around the block size', async () => {
    for (const length of [0, 1, 4095, 4096, 4097, 3 * 4096 + 7, MiB]) {
      const path = next();
      const file = await DirectFile.create(path, UPLOAD);
      const content = randomBytes(length);
      const batch = allocate(Math.max(length, 1)).subarray(0, length);
      content.copy(batch);
      await file.append(batch);
      await file.append(batch); // twice: the second starts at an unaligned position for odd lengths
      await file.sync();
      await file.close();
      assert.ok((await readFile(path)).equals(Buffer.concat([content, content])), `length ${length}`);
    }
  });

  it('falls back to buffered writes when the kernel refuses the buffer', async () => {
    const path = next();
    const file = await DirectFile.create(path, UPLOAD);
    assert.equal(file.direct, true);
    const aligned = allocate(MiB);
    randomBytes(MiB).copy(aligned);
    await file.append(aligned);
    // A view 16 bytes into a page: not aligned for O_DIRECT.
    const unaligned = allocate(2 * MiB).subarray(16, 16 + MiB);
    randomBytes(MiB).copy(unaligned);
    await file.append(unaligned);
    assert.equal(file.direct, false);
    await file.append(aligned);
    await file.sync();
    await file.close();
    assert.ok((await readFile(path)).equals(Buffer.concat([aligned, unaligned, aligned])));
  });

  it('hands out page-aligned buffers of the size asked, never overlapping', () => {
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

  it('writes through the cache when asked, and suits direct writes to local disks only', async () => {
    assert.equal(await directWritesSuit(dir), true);
    const path = next();
    const file = await DirectFile.create(path, { ...UPLOAD, direct: false });
    assert.equal(file.direct, false);
    const batch = allocate(MiB);
    randomBytes(MiB).copy(batch);
    await file.append(batch);
    await file.close();
    assert.ok(residentBytes(path) >= MiB - 4096, 'buffered bytes are in the page cache');
    assert.ok((await readFile(path)).equals(batch));
  });

  it('refuses to create a file that exists', async () => {
    const path = next();
    await (await DirectFile.create(path, UPLOAD)).close();
    await assert.rejects(DirectFile.create(path, UPLOAD), { code: 'EEXIST' });
  });
});
