// The disk format flags of the built `repoman` against the real repoman-server over TLS, with
// real qemu-img files: upload-image lets the server detect the format and virtual size, which
// describe-image shows; --disk-format on create-image, upload-image and modify-image wins
// (auto gives it back to detection); --min-disk and --min-ram are set; bad values exit 2
// before any request.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeSampleImages, type SampleImage } from '../../../server/test/helpers/disk-images.js';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';

type Image = { disk_format: string | null; virtual_size: number | null; min_disk: number; min_ram: number; version: number };

describe('repoman disk format flags against a real server', () => {
  let s: ClientSite;
  let bob: Runner;
  let samples: SampleImage[];
  const path = (label: string): string => samples.find((sample) => sample.label === label)!.path;
  const ok = (result: RunResult): RunResult => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  const image = async (name: string): Promise<Image> => ok(await bob(['describe-image', name, '--json'])).json as Image;

  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
    const dir = join(s.site.dir, 'disks');
    await mkdir(dir);
    samples = makeSampleImages(dir);
  });
  after(async () => {
    await s?.cleanup();
  });

  it('upload-image lets the server detect the format; describe-image shows it and the virtual size', async () => {
    ok(await bob(['create-image', 'worker.qcow2']));
    assert.match(ok(await bob(['di', 'worker.qcow2'])).stdout, /^disk_format:\s+unknown$/m);
    ok(await bob(['upload-image', 'worker.qcow2', path('qcow2')]));
    const shown = ok(await bob(['di', 'worker.qcow2'])).stdout;
    assert.match(shown, /^disk_format:\s+qcow2$/m);
    assert.match(shown, /^virtual_size:\s+100 MiB \(104857600 bytes\)$/m);
    assert.match(shown, /^min_disk:\s+-$/m);
  });

  it('create-image --disk-format --min-disk --min-ram --file: the given format wins over the bytes', async () => {
    const created = ok(await bob(['ci', 'win.img', '--disk-format', 'vhd', '--min-disk', '40', '--min-ram', '4096', '--file', path('vhdx'), '--json'])).json as Image;
    assert.deepEqual([created.disk_format, created.virtual_size, created.min_disk, created.min_ram], ['vhd', 100 * 1024 * 1024, 40, 4096]);
    const shown = ok(await bob(['di', 'win.img'])).stdout;
    assert.match(shown, /^min_disk:\s+40 GB$/m);
    assert.match(shown, /^min_ram:\s+4096 MB$/m);
  });

  it('modify-image --disk-format auto gives the format back to detection; upload-image --disk-format sets it after the bytes', async () => {
    const modified = ok(await bob(['mi', 'win.img', '--disk-format', 'auto', '--min-ram', '0', '--json'])).json as Image;
    assert.deepEqual([modified.disk_format, modified.min_ram, modified.min_disk], ['vhd', 0, 40]);
    ok(await bob(['up', 'win.img', path('vmdk')]));
    assert.equal((await image('win.img')).disk_format, 'vmdk');
    ok(await bob(['up', 'win.img', path('iso'), '--disk-format', 'other']));
    const after = await image('win.img');
    assert.deepEqual([after.disk_format, after.version], ['other', 3]);
    ok(await bob(['up', 'win.img', path('raw')]));
    assert.equal((await image('win.img')).disk_format, 'other', 'the uploader\'s choice stays');
  });

  it('bad values exit 2 with the allowed ones, before any request', async () => {
    const before = await image('win.img');
    for (const [args, words] of [
      [['mi', 'win.img', '--disk-format', 'floppy'], /--disk-format takes one of raw, qcow2, vmdk, vdi, vhd, vhdx, iso, ova, gzip, other, or auto/],
      [['mi', 'win.img', '--min-disk', '-1'], /--min-disk takes a whole number of GB/],
      [['mi', 'win.img', '--min-ram', '1.5G'], /--min-ram takes a whole number of MB/],
      [['up', 'win.img', path('raw'), '--disk-format', 'QCOW3'], /--disk-format takes one of/],
    ] as const) {
      const result = await bob([...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, words);
    }
    assert.deepEqual(await image('win.img'), before);
  });
});
