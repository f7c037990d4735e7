// Disk formats over the real server process, TLS and the real curl (SPEC §3 "Image record"):
// real qcow2, VMDK, VHDX, VDI, VHD, ISO, OVA, gzip and raw files uploaded with `curl -T` get
// the format and virtual size their headers say, a corrupt header reads as raw with no virtual
// size (and the server stays up), an explicit `disk_format` wins over detection until "" gives
// the choice back, `min_disk`/`min_ram` are the uploader's, and bad values are 400 with the
// record unchanged.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl, type CurlResult } from '../helpers/curl.js';
import { makeSampleImages, type SampleImage } from '../helpers/disk-images.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

interface Record_ {
  disk_format: string | null;
  virtual_size: number | null;
  min_disk: number;
  min_ram: number;
  version: number;
}

describe('disk formats over TLS with curl', () => {
  let site: GridSite;
  let repo: Repository;
  let bob: GridUser;
  let samples: SampleImage[];

  const as = (path: string, extra: { method?: string; json?: unknown; args?: string[] } = {}): CurlResult =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, credential: bob.proxyPath, ...extra });
  const record = (name: string): Record_ => as(`/api/images/${name}`).json as Record_;
  const upload = (name: string, path: string): Record_ => {
    const result = as(`/api/images/raw/${name}`, { args: ['-T', path] });
    assert.equal(result.status, 200, result.body);
    return result.json as Record_;
  };

  before(async () => {
    site = await makeGridSite();
    bob = await site.user('bob');
    repo = await startRepository({ site, adminDns: [bob.dn] });
    const dir = join(site.dir, 'disks');
    await mkdir(dir);
    samples = makeSampleImages(dir);
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('an empty slot has no format or virtual size, and minimums of 0', () => {
    const created = as('/api/images', { method: 'POST', json: { name: 'slot' } });
    assert.equal(created.status, 201);
    assert.deepEqual(
      (({ disk_format, virtual_size, min_disk, min_ram }) => ({ disk_format, virtual_size, min_disk, min_ram }))(created.json as Record_),
      { disk_format: null, virtual_size: null, min_disk: 0, min_ram: 0 },
    );
  });

  it('each real file uploaded with curl -T gets the format and virtual size of its header', () => {
    for (const sample of samples) {
      const name = `img-${sample.label.replace(/\W+/g, '-')}`;
      assert.equal(as('/api/images', { method: 'POST', json: { name } }).status, 201);
      const uploaded = upload(name, sample.path);
      const virtualSize = sample.virtualSize === 'size' ? statSync(sample.path).size : sample.virtualSize;
      assert.deepEqual([uploaded.disk_format, uploaded.virtual_size], [sample.diskFormat, virtualSize], sample.label);
      assert.deepEqual([record(name).disk_format, record(name).virtual_size], [sample.diskFormat, virtualSize], `${sample.label}, read back`);
    }
    assert.equal(as('/healthz').status, 200, 'the corrupt header did not hurt the server');
  });

  it('a re-upload detects again; a disk_format set by the uploader wins until "" gives it back to detection', () => {
    const path = (label: string): string => samples.find((s) => s.label === label)!.path;
    assert.equal(as('/api/images', { method: 'POST', json: { name: 'w', disk_format: 'vmdk', min_disk: 10, min_ram: 2048 } }).status, 201);
    const first = upload('w', path('qcow2'));
    assert.deepEqual([first.disk_format, first.virtual_size, first.min_disk, first.min_ram], ['vmdk', 100 * 1024 * 1024, 10, 2048], 'the explicit format, the bytes\' virtual size');
    const cleared = as('/api/images/w', { method: 'PATCH', json: { disk_format: '' } });
    assert.equal(cleared.status, 200);
    assert.equal((cleared.json as Record_).disk_format, 'vmdk', 'kept until the next upload');
    assert.equal(upload('w', path('raw')).disk_format, 'raw');
    assert.equal(upload('w', path('vhdx')).disk_format, 'vhdx');
    const set = as('/api/images/w', { method: 'PATCH', json: { disk_format: 'other', min_ram: 512 } });
    assert.deepEqual([(set.json as Record_).disk_format, (set.json as Record_).min_ram, (set.json as Record_).min_disk], ['other', 512, 10]);
    assert.equal(upload('w', path('iso')).disk_format, 'other');
  });

  it('a form-encoded body sets the minimums as numbers', () => {
    const result = as('/api/images/w', { method: 'PATCH', args: ['--data', 'min_disk=20&min_ram=4096'] });
    assert.equal(result.status, 200, result.body);
    assert.deepEqual([(result.json as Record_).min_disk, (result.json as Record_).min_ram], [20, 4096]);
  });

  it('bad values are 400 and say what is allowed; the record is unchanged', () => {
    const before = record('w');
    for (const [body, words] of [
      [{ disk_format: 'QCOW2' }, /disk_format must be one of raw, qcow2, vmdk/],
      [{ min_disk: -1 }, /min_disk must be a whole number of GB/],
      [{ min_ram: 1.5 }, /min_ram must be a whole number/],
      [{ min_ram: '512' }, /min_ram must be a whole number/],
      [{ min_disk: 2 ** 31 }, /min_disk must be a whole number of GB from 0 to 2147483647/],
    ] as const) {
      const result = as('/api/images/w', { method: 'PATCH', json: body });
      assert.equal(result.status, 400, JSON.stringify(body));
      assert.match(result.body, words);
    }
    assert.equal(as('/api/images', { method: 'POST', json: { name: 'bad', disk_format: 'floppy' } }).status, 400);
    assert.equal(as('/api/images/bad').status, 404, 'nothing was created');
    assert.deepEqual(record('w'), before);
  });
});
