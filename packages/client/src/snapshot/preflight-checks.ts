/**
 * The checks save-image makes before it changes anything, each failing with one line that
 * says what to do: running as root; a grid proxy that `sudo` without `-E` has lost (it drops
 * `X509_USER_PROXY`, and root's default `/tmp/x509up_u0` is not the user's); the tools
 * installed (naming the Debian package of each missing one); the image big enough for what the source uses (`--resize`); the snapshot
 * directory's disk able to hold the snapshot (the paper's advice: a large secondary disk);
 * and the lock free. They only look: a failed check leaves no file, mount or lock behind.
 */
import { CliError, UsageError } from '../cli/cli-errors.js';
import type { Settings } from '../config/settings.js';
import { formatBytes } from '../cli/format.js';
import type { CommandRunner } from './command-runner.js';
import { heldMessage, inspectLock, type LockState } from './snapshot-lock.js';
import type { SnapshotHost } from './snapshot-host.js';
import type { SnapshotPlan } from './snapshot-plan.js';

/** The Debian package of each tool save-image runs. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  rsync: 'rsync',
  mount: 'mount', umount: 'mount', losetup: 'mount',
  findmnt: 'util-linux', blkid: 'util-linux',
  'mkfs.ext2': 'e2fsprogs', 'mkfs.ext3': 'e2fsprogs', 'mkfs.ext4': 'e2fsprogs', e2fsck: 'e2fsprogs',
  'mkfs.xfs': 'xfsprogs', 'mkfs.btrfs': 'btrfs-progs',
  du: 'coreutils', sync: 'coreutils', truncate: 'coreutils', install: 'coreutils', mkdir: 'coreutils', rmdir: 'coreutils', ln: 'coreutils',
  gzip: 'gzip',
  sfdisk: 'fdisk', extlinux: 'extlinux', dd: 'coreutils', tee: 'coreutils', chmod: 'coreutils', 'qemu-img': 'qemu-utils',
};

/** What must be there before the source can even be looked at, and to clean up. */
export const BASE_TOOLS: readonly string[] = ['findmnt', 'blkid', 'du', 'rsync', 'mount', 'umount', 'losetup'];

export function checkRoot(host: SnapshotHost): void {
  if (host.uid !== 0) {
    throw new CliError('save-image must run as root (it reads every file and loop-mounts the image): run it with sudo -E (to keep X509_USER_PROXY) or pass --proxy FILE');
  }
}

/** Under `sudo` with no proxy of root's own: the user's proxy was left behind by sudo's clean environment. */
export async function checkSudoProxy(proxy: Settings['proxy'], env: NodeJS.ProcessEnv, host: SnapshotHost): Promise<void> {
  if (env.SUDO_UID === undefined || proxy.source !== 'default' || (await host.entry(proxy.value)) !== undefined) return;
  throw new CliError(`no grid proxy: sudo without -E drops X509_USER_PROXY (and https_proxy), and ${proxy.value} does not exist: `
    + `run sudo -E repoman save-image …, or pass --proxy /tmp/x509up_u${env.SUDO_UID}`);
}

export async function checkTools(runner: CommandRunner, tools: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const tool of new Set(tools)) if ((await runner.which(tool)) === undefined) missing.push(tool);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((tool) => TOOL_PACKAGES[tool] ?? tool))];
  throw new CliError(`save-image needs ${missing.join(', ')}, not found in PATH or /usr/sbin: install the Debian package${packages.length > 1 ? 's' : ''} `
    + `${packages.join(' ')} (apt-get install ${packages.join(' ')})`);
}

/** Every tool the plan runs, and losetup for the cleanup. */
export function toolsOf(plan: SnapshotPlan): string[] {
  return [...new Set([...plan.steps.map((step) => step.argv[0] ?? ''), 'losetup', 'findmnt'])].filter((tool) => tool !== '');
}

export function checkSizes(plan: SnapshotPlan): void {
  const { source } = plan;
  const minimum = `${formatBytes(plan.minimumSize)} (${source.root} uses ${formatBytes(source.used)}; the file system itself needs 5% and 64 MiB more)`;
  // only --resize can be too small: the default size is always above the minimum
  if (plan.size < plan.minimumSize) {
    throw new UsageError(`--resize ${formatBytes(plan.size)} is too small: the image needs at least ${minimum}: give --resize ${Math.ceil(plan.minimumSize / 1024 ** 2)}M or more`);
  }
  if (plan.snapshotSpace.free < plan.spaceNeeded) {
    throw new CliError(`the snapshot directory ${plan.snapshotDir} has ${formatBytes(plan.snapshotSpace.free)} free, but this snapshot needs about `
      + `${formatBytes(plan.spaceNeeded)} (what ${source.root} uses${plan.gzip ? ', twice with --gzip' : ''}): choose a directory on a bigger disk with --snapshot-dir DIR `
      + 'or [ThisImage] snapshot_dir (a large secondary disk is best)');
  }
}

export async function checkLockFree(plan: SnapshotPlan, host: SnapshotHost): Promise<LockState> {
  const lock = await inspectLock(plan.lockFile, (pid) => host.isAlive(pid));
  if (lock.state === 'held') throw new CliError(heldMessage(plan.lockFile, lock.pid));
  return lock;
}
