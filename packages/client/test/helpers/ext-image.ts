/**
 * Reads an ext2/3/4 image file without mounting it, for the save-image tests: `e2fsck -fn`
 * (a read-only full check), and debugfs's `stat` (type, mode, owner, links, size, 512-byte
 * blocks, a symlink's target), `ls`, `dump` and `ea_list`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface InodeStat {
  readonly type: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly links: number;
  readonly size: number;
  /** 512-byte sectors allocated. */
  readonly blocks: number;
  readonly linkTarget: string | undefined;
}

function debugfs(image: string, request: string): string {
  const result = spawnSync('debugfs', ['-R', request, image], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return `${result.stdout}${result.stderr}`;
}

/** e2fsck's verdict on a read-only full check. */
export function fsck(image: string): { code: number | null; output: string } {
  const result = spawnSync('e2fsck', ['-fn', image], { encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The inode at `path`, or undefined when the image has no such path. */
export function statIn(image: string, path: string): InodeStat | undefined {
  const text = debugfs(image, `stat ${path}`);
  if (/File not found by ext2_lookup/.test(text)) return undefined;
  const number = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  const type = /Type:\s+(\w+)/.exec(text)?.[1];
  if (!type) throw new Error(`debugfs stat ${path}: ${text}`);
  return {
    type,
    mode: Number.parseInt(/Mode:\s+(\d+)/.exec(text)?.[1] ?? 'NaN', 8),
    uid: number(/User:\s+(\d+)/),
    gid: number(/Group:\s+(\d+)/),
    links: number(/Links:\s+(\d+)/),
    size: number(/Size:\s+(\d+)/),
    blocks: number(/Blockcount:\s+(\d+)/),
    linkTarget: /Fast link dest:\s+"(.*)"/.exec(text)?.[1],
  };
}

/** The names in a directory of the image, without . and .. */
export function listIn(image: string, path: string): string[] {
  return debugfs(image, `ls -p ${path}`).split('\n')
    .map((line) => line.split('/')[5])
    .filter((name): name is string => name !== undefined && name !== '' && name !== '.' && name !== '..');
}

/** A file's bytes from the image. */
export function dumpFrom(image: string, path: string): Buffer {
  const out = join(tmpdir(), `dump-${process.pid}-${Date.now()}`);
  try {
    debugfs(image, `dump ${path} ${out}`);
    return readFileSync(out);
  } finally {
    rmSync(out, { force: true });
  }
}

/** The extended attributes of a file, as debugfs lists them. */
export function xattrsIn(image: string, path: string): string {
  return debugfs(image, `ea_list ${path}`);
}
