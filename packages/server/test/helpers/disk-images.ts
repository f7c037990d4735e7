/**
 * Test-only: real disk images of every format the server detects, made by the tools that make
 * them in practice — `qemu-img create` (qcow2, vmdk, vhdx, vdi, vpc), `xorriso` (ISO 9660),
 * `tar` (an OVA is a tar), `gzip` — plus a raw file and a qcow2 whose header is cut short
 * (the magic, then nothing readable). Each comes with the format and virtual size the server
 * must report for it.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SampleImage {
  readonly label: string;
  readonly path: string;
  readonly diskFormat: string;
  /** What the record must say; 'size' for "the file's own size". */
  readonly virtualSize: number | null | 'size';
}

const MIB = 1024 * 1024;

export function makeSampleImages(dir: string): SampleImage[] {
  const samples: SampleImage[] = [];
  // The expected virtual size is what `qemu-img info` reads (a VHD's is rounded to its geometry).
  const qemu = (format: string, diskFormat: string): void => {
    const path = join(dir, `disk.${format}`);
    execFileSync('qemu-img', ['create', '-q', '-f', format, path, '100M']);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path], { encoding: 'utf8' })) as { 'virtual-size': number };
    samples.push({ label: format, path, diskFormat, virtualSize: info['virtual-size'] });
  };
  qemu('qcow2', 'qcow2');
  qemu('vmdk', 'vmdk');
  qemu('vhdx', 'vhdx');
  qemu('vdi', 'vdi');
  qemu('vpc', 'vhd');

  const tree = join(dir, 'iso-tree');
  execFileSync('mkdir', ['-p', tree]);
  writeFileSync(join(tree, 'README'), 'a bootable image would be here\n');
  const iso = join(dir, 'disk.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-o', iso, tree], { stdio: 'ignore' });
  samples.push({ label: 'iso', path: iso, diskFormat: 'iso', virtualSize: 'size' });

  const ova = join(dir, 'appliance.ova');
  execFileSync('tar', ['-cf', ova, '-C', dir, 'disk.vmdk']);
  samples.push({ label: 'ova', path: ova, diskFormat: 'ova', virtualSize: null });

  const raw = join(dir, 'disk.raw');
  writeFileSync(raw, Buffer.alloc(3 * MIB, 7));
  samples.push({ label: 'raw', path: raw, diskFormat: 'raw', virtualSize: 'size' });

  const gz = join(dir, 'disk.raw.gz');
  writeFileSync(gz, execFileSync('gzip', ['-c', raw]));
  samples.push({ label: 'gzip', path: gz, diskFormat: 'gzip', virtualSize: null });

  // The qcow2 magic and version 3, then a virtual size of 0 and nothing else: not to be trusted.
  const corrupt = join(dir, 'corrupt.qcow2');
  writeFileSync(corrupt, Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.from([0, 0, 0, 3]), Buffer.alloc(40)]));
  samples.push({ label: 'corrupt qcow2 header', path: corrupt, diskFormat: 'raw', virtualSize: null });
  return samples;
}
