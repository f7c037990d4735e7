/**
 * Booting what save-image made, for the boot tests: `bootSkip` says why this machine cannot
 * (no qemu, no Debian kernel and initrd in /boot, no static busybox, no extlinux — CI installs
 * them all) or false; `makeBootTree` builds the smallest root that boots — a static busybox,
 * the host's kernel and initrd (Debian's holds virtio and ext4) in its /boot, and an
 * /sbin/init that prints a random token, what it was started as and the root it runs from,
 * then powers off; `bootImage` runs `qemu-system-x86_64 -accel tcg` on an image, watching the
 * serial console for the token, and kills qemu at the deadline (one qemu at a time).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const BOOT_TOOLS = ['qemu-system-x86_64', 'qemu-img', 'extlinux', 'sfdisk'];
const MBR = '/usr/lib/EXTLINUX/mbr.bin';
const BUSYBOX = '/bin/busybox';

export interface HostKernel {
  readonly kernel: string;
  readonly initrd: string;
  readonly version: string;
}

/** The newest Debian kernel in the host's /boot with its initrd, if any. */
export function hostKernel(): HostKernel | undefined {
  const names = existsSync('/boot') ? readdirSync('/boot') : [];
  const versions = names.filter((name) => name.startsWith('vmlinuz-')).map((name) => name.slice('vmlinuz-'.length))
    .filter((version) => names.includes(`initrd.img-${version}`)).sort(new Intl.Collator('en', { numeric: true }).compare);
  const version = versions.at(-1);
  return version === undefined ? undefined : { kernel: `/boot/vmlinuz-${version}`, initrd: `/boot/initrd.img-${version}`, version };
}

export function bootSkip(): string | false {
  const missing = BOOT_TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool} || test -x /sbin/${tool} || test -x /usr/sbin/${tool}`]).status !== 0);
  if (missing.length > 0) return `boot tests need ${missing.join(', ')}: apt-get install qemu-system-x86 qemu-utils extlinux fdisk (CI installs them)`;
  if (!existsSync(MBR)) return `boot tests need ${MBR}: apt-get install syslinux-common`;
  if (!hostKernel()) return 'boot tests need a kernel and initrd in /boot: apt-get install linux-image-amd64';
  if (!/statically linked/.test(spawnSync('file', ['-L', BUSYBOX], { encoding: 'utf8' }).stdout ?? '')) return 'boot tests need a static busybox: apt-get install busybox-static';
  return false;
}

export interface BootTree {
  readonly dir: string;
  /** Printed by the tree's /sbin/init: proof that this tree's init ran. */
  readonly token: string;
  readonly kernel: HostKernel;
}

export async function makeBootTree(dir: string): Promise<BootTree> {
  const kernel = hostKernel();
  if (!kernel) throw new Error('no kernel in /boot');
  const token = `repoman-boot-${randomBytes(8).toString('hex')}`;
  for (const sub of ['bin', 'sbin', 'etc', 'boot', 'dev', 'proc', 'sys', 'run', 'tmp', 'mnt', 'root']) await mkdir(join(dir, sub), { recursive: true });
  await copyFile(BUSYBOX, join(dir, 'bin/busybox'));
  await chmod(join(dir, 'bin/busybox'), 0o755);
  await symlink('busybox', join(dir, 'bin/sh'));
  await copyFile(kernel.kernel, join(dir, 'boot', `vmlinuz-${kernel.version}`));
  await copyFile(kernel.initrd, join(dir, 'boot', `initrd.img-${kernel.version}`));
  await writeFile(join(dir, 'etc/hostname'), 'repoman-boot\n');
  // the root as the kernel mounted it: device and type of the / line in /proc/mounts
  await writeFile(join(dir, 'sbin/init'), [
    '#!/bin/busybox sh',
    '/bin/busybox mount -t proc proc /proc',
    `echo "${token} init=$0 pid=$$"`,
    'echo "root: $(/bin/busybox awk \'$2 == "/" { print $1, $3 }\' /proc/mounts | /bin/busybox tail -n 1)"',
    'echo "hostname: $(/bin/busybox cat /etc/hostname)"',
    '/bin/busybox poweroff -f',
    '',
  ].join('\n'));
  await chmod(join(dir, 'sbin/init'), 0o755);
  return { dir, token, kernel };
}

export interface BootResult {
  /** Milliseconds from qemu's start to the token on the console. */
  readonly ms: number | undefined;
  readonly console: string;
  readonly code: number | null;
  readonly timedOut: boolean;
}

/** Boots qemu with `args` (drive, kernel…), until it exits or `timeoutMs` passes (then it is killed). */
export function bootImage(args: readonly string[], token: string, timeoutMs = 120_000): Promise<BootResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const qemu = spawn('qemu-system-x86_64', ['-accel', 'tcg', '-m', '512', '-nographic', '-no-reboot', '-nic', 'none', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let ms: number | undefined;
    let timedOut = false;
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('latin1');
      if (ms === undefined && output.includes(token)) ms = Date.now() - started;
    };
    qemu.stdout.on('data', collect);
    qemu.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      qemu.kill('SIGKILL');
    }, timeoutMs);
    qemu.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms, console: output, code, timedOut });
    });
  });
}
