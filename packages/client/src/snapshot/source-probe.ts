/**
 * Facts about what save-image copies: the source directory (`/`, or `--source DIR`, a
 * chroot), the file system holding it (`findmnt -T`: mount point, device, type, label —
 * `blkid` when findmnt knows no label), that file system's size, and the space the source
 * uses. When the source is the file system's root (the usual `/`) the used space is the file
 * system's (statfs); for a directory inside a larger file system it is what `du -sx` counts
 * (allocated bytes, so sparse files count for what they hold). The file system's UUID is kept
 * only when the source is its root: a chroot inside a bigger file system has none of its
 * own. Nothing is changed.
 */
import { CliError } from '../cli/cli-errors.js';
import type { CommandRunner } from './command-runner.js';
import type { SnapshotHost } from './snapshot-host.js';

export interface SourceFacts {
  /** The source directory, symlinks resolved. */
  readonly root: string;
  /** Mount point of the file system holding it. */
  readonly mountPoint: string;
  /** Its device (`/dev/vda1`, `overlay`, …). */
  readonly device: string;
  /** Its type as findmnt says (`ext4`, `xfs`, `overlay`, …). */
  readonly fsType: string;
  /** Its label, or undefined. */
  readonly label: string | undefined;
  /** Its UUID when the source is the whole file system (`/`), else undefined. */
  readonly uuid?: string | undefined;
  /** Bytes of that file system. */
  readonly fsSize: number;
  /** Bytes the source uses. */
  readonly used: number;
  /** How `used` was measured. */
  readonly usedBy: 'statfs' | 'du';
}

interface FindmntAnswer {
  filesystems?: Array<{ target?: string; source?: string; fstype?: string; label?: string | null }>;
}

export async function probeSource(source: string, runner: CommandRunner, host: SnapshotHost): Promise<SourceFacts> {
  let root: string;
  try {
    root = await host.realpath(source);
  } catch {
    throw new CliError(`the source ${source} does not exist: give --source an existing directory (or leave it out to snapshot /)`);
  }
  const entry = await host.entry(root);
  if (entry?.kind !== 'directory') throw new CliError(`the source ${source} is not a directory: give --source the root of a directory tree`);

  const found = await runner.run(['findmnt', '--json', '--output', 'TARGET,SOURCE,FSTYPE,LABEL', '--target', root]);
  let mount: NonNullable<FindmntAnswer['filesystems']>[number] | undefined;
  try {
    mount = (JSON.parse(found.stdout) as FindmntAnswer).filesystems?.[0];
  } catch {
    mount = undefined;
  }
  if (found.code !== 0 || !mount?.target) {
    throw new CliError(`cannot tell which file system holds ${root} (findmnt: ${found.stderr.trim() || `exit ${found.code}`})`);
  }
  const device = mount.source ?? '';
  let label = mount.label ?? undefined;
  if (!label && device.startsWith('/dev/')) {
    const blkid = await runner.run(['blkid', '--output', 'value', '--match-tag', 'LABEL', device]);
    label = blkid.code === 0 && blkid.stdout.trim() !== '' ? blkid.stdout.trim() : undefined;
  }
  let uuid: string | undefined;
  if (root === mount.target && device.startsWith('/dev/')) {
    const blkid = await runner.run(['blkid', '--output', 'value', '--match-tag', 'UUID', device]);
    uuid = blkid.code === 0 && blkid.stdout.trim() !== '' ? blkid.stdout.trim() : undefined;
  }
  const space = await host.space(root);

  let used = space.used;
  let usedBy: SourceFacts['usedBy'] = 'statfs';
  if (root !== mount.target) {
    const du = await runner.run(['du', '--summarize', '--one-file-system', '--block-size=1', root]);
    const counted = /^(\d+)\s/.exec(du.stdout);
    if (!counted) throw new CliError(`cannot measure the space ${root} uses (du: ${du.stderr.trim().split('\n').pop() ?? `exit ${du.code}`})`);
    used = Number(counted[1]);
    usedBy = 'du';
  }
  return { root, mountPoint: mount.target, device, fsType: mount.fstype ?? 'unknown', label, fsSize: space.size, used, usedBy, uuid };
}
