// Disk format detection (SPEC §3) over real files from qemu-img, xorriso, tar and gzip, fed
// to the probe in chunks of several sizes as an upload would (including 1-byte chunks and one
// chunk for everything), plus corrupt and truncated headers, which must read as raw.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DiskFormatProbe, detectDiskFormat, isDiskFormat } from '../src/services/disk-format.js';
import { makeSampleImages } from './helpers/disk-images.js';

const dir = mkdtempSync(join(tmpdir(), 'disk-format-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const samples = makeSampleImages(dir);

function probe(bytes: Buffer, chunk: number) {
  const p = new DiskFormatProbe();
  for (let at = 0; at < bytes.length; at += chunk) p.push(bytes.subarray(at, at + chunk));
  return p.result(bytes.length);
}

describe('disk format detection', () => {
  for (const sample of samples) {
    test(`${sample.label}: ${sample.diskFormat}, virtual size ${sample.virtualSize}`, () => {
      const bytes = readFileSync(sample.path);
      const virtualSize = sample.virtualSize === 'size' ? bytes.length : sample.virtualSize;
      for (const chunk of [16 * 1024, 1000, 1024 * 1024, bytes.length]) {
        assert.deepEqual(probe(bytes, chunk), { diskFormat: sample.diskFormat, virtualSize }, `chunks of ${chunk}`);
      }
    });
  }

  test('the probe is done after the first 64 KiB, or for a VHDX once its metadata table has passed', () => {
    const qcow2 = new DiskFormatProbe();
    qcow2.push(readFileSync(join(dir, 'disk.qcow2')).subarray(0, 64 * 1024 - 1));
    assert.equal(qcow2.done, false);
    qcow2.push(Buffer.alloc(1));
    assert.equal(qcow2.done, true);
    const vhdx = new DiskFormatProbe();
    const bytes = readFileSync(join(dir, 'disk.vhdx'));
    vhdx.push(bytes.subarray(0, 1024 * 1024));
    assert.equal(vhdx.done, false, 'the metadata region (at 3 MiB for qemu-img) is still to come');
    vhdx.push(bytes.subarray(1024 * 1024));
    assert.equal(vhdx.done, true);
  });

  test('a VHDX read one byte at a time still gives its virtual size', () => {
    const bytes = readFileSync(join(dir, 'disk.vhdx')).subarray(0, 4 * 1024 * 1024);
    assert.deepEqual(probe(bytes, 1), { diskFormat: 'vhdx', virtualSize: 100 * 1024 * 1024 });
  });

  test('truncated and nonsense headers never throw and read as raw with no virtual size', () => {
    const qcow2 = readFileSync(join(dir, 'disk.qcow2'));
    for (const length of [4, 10, 31]) assert.deepEqual(detectDiskFormat(qcow2.subarray(0, length), length), { diskFormat: 'raw', virtualSize: null });
    const badVersion = Buffer.from(qcow2.subarray(0, 512));
    badVersion.writeUInt32BE(99, 4);
    assert.deepEqual(detectDiskFormat(badVersion, 512), { diskFormat: 'raw', virtualSize: null });
    const vmdk = Buffer.from(readFileSync(join(dir, 'disk.vmdk')).subarray(0, 512));
    vmdk.fill(0xff, 12, 20);
    assert.deepEqual(detectDiskFormat(vmdk, 512), { diskFormat: 'raw', virtualSize: null });
    // A VHDX whose region table is garbage: still a VHDX, size unknown.
    const vhdx = Buffer.from(readFileSync(join(dir, 'disk.vhdx')).subarray(0, 1024 * 1024));
    vhdx.fill(0x41, 192 * 1024, 256 * 1024);
    assert.deepEqual(probe(vhdx, 16 * 1024), { diskFormat: 'vhdx', virtualSize: null });
    assert.deepEqual(probe(Buffer.alloc(0), 1), { diskFormat: 'raw', virtualSize: 0 });
  });

  test('the list of formats is SPEC §3\'s', () => {
    for (const format of ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx', 'iso', 'ova', 'gzip', 'other']) assert.ok(isDiskFormat(format));
    assert.equal(isDiskFormat('QCOW2'), false);
  });
});
