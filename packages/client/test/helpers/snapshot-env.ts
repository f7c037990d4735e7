/**
 * What the save-image tests need from the machine, and a safety net: `ext4Skip` says why the
 * real snapshot tests cannot run here (not root, no loop devices, a tool missing) or false;
 * `leftovers` finds and removes mounts and loop devices a failed test left under a directory,
 * so that a broken run never leaves the machine with stray mounts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const TOOLS = ['rsync', 'mkfs.ext4', 'e2fsck', 'debugfs', 'losetup', 'findmnt', 'setfattr', 'setfacl'];

export function ext4Skip(): string | false {
  if (process.getuid?.() !== 0) return 'save-image tests need root (loop mounts, chown): run them as root, as CI does';
  if (!existsSync('/dev/loop-control')) return 'save-image tests need loop devices (/dev/loop-control is missing)';
  if (spawnSync('losetup', ['--find']).status !== 0) return 'save-image tests need loop devices (losetup --find finds none: a privileged container?)';
  const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool} || test -x /sbin/${tool} || test -x /usr/sbin/${tool}`]).status !== 0);
  if (missing.length > 0) return `save-image tests need ${missing.join(', ')} (Debian: rsync e2fsprogs attr acl)`;
  return false;
}

export function leftovers(dir: string): { cleanUp(): void } {
  return {
    cleanUp() {
      const mounts = spawnSync('findmnt', ['--list', '--noheadings', '--output', 'TARGET'], { encoding: 'utf8' }).stdout ?? '';
      for (const target of mounts.split('\n').filter((line) => line.startsWith(`${dir}/`))) spawnSync('umount', ['--lazy', target]);
      const loops = spawnSync('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' }).stdout ?? '';
      for (const line of loops.split('\n')) {
        const [device, file] = line.trim().split(/\s+/);
        if (device && file?.startsWith(`${dir}/`)) spawnSync('losetup', ['--detach', device]);
      }
    },
  };
}
