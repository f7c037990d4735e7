/**
 * The plan of one save-image run, computed from facts alone (no side effects), so that
 * `--dry-run` can print it and tests can check it: where the snapshot file, its mount point,
 * the lock and the compressed copy live; the image's size (`--resize`, else the size of the
 * file system holding the source, rounded up to a MiB), file-system type and label (the
 * source's; ext4 when it is not one mkfs can make); whether the file from the last run is
 * reused (an incremental rsync) or made afresh (none yet, `--clean`, the size changed, no
 * file system of that type in it); the minimum size and the free space it needs; and the
 * commands, in order, with which ones mount and unmount (for the cleanup on failure).
 */
import { join } from 'node:path';
import type { ExcludeList } from './exclude-list.js';
import type { EntryFacts, FsSpace } from './snapshot-host.js';
import type { SourceFacts } from './source-probe.js';

export const LOCK_NAME = 'repoman-save-image.lock';
const MIB = 1024 * 1024;
/** Room for the file system's own structures (inode tables, journal): 5% and 64 MiB. */
const OVERHEAD_RATIO = 1.05;
const OVERHEAD_BYTES = 64 * MIB;

export interface SnapshotPaths {
  /** The image file, kept between runs. */
  readonly file: string;
  readonly mountPoint: string;
  readonly gzFile: string;
  readonly lockFile: string;
}

/** Where the files of image `name` live in the snapshot directory. */
export function snapshotPaths(snapshotDir: string, name: string): SnapshotPaths {
  const file = join(snapshotDir, `repoman-snapshot-${name.replace(/\.gz$/, '')}`);
  return { file, mountPoint: `${file}.mnt`, gzFile: `${file}.gz`, lockFile: join(snapshotDir, LOCK_NAME) };
}

export interface ExistingSnapshot {
  readonly size: number;
  readonly allocated: number;
  /** The file-system type blkid finds in it, if any. */
  readonly fsType: string | undefined;
}

export interface PlanInput {
  readonly name: string;
  readonly source: SourceFacts;
  readonly excludes: ExcludeList;
  /** Each system directory as it is in the source (undefined: missing). */
  readonly systemEntries: ReadonlyMap<string, EntryFacts | undefined>;
  readonly snapshotDir: string;
  readonly snapshotSpace: FsSpace;
  readonly existing: ExistingSnapshot | undefined;
  readonly resize: number | undefined;
  readonly clean: boolean;
  readonly gzip: boolean;
}

export interface SystemDir {
  readonly path: string;
  readonly kind: 'directory' | 'symlink';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly target?: string | undefined;
  /** False when the source has no such directory (made with a default mode). */
  readonly fromSource: boolean;
}

export interface PlanStep {
  readonly title: string;
  readonly argv: readonly string[];
  /** The snapshot is mounted once this step succeeds, or unmounted. */
  readonly effect?: 'mount' | 'unmount' | undefined;
  /** Exit codes that are not failures (rsync 24: files vanished while copying a live system). */
  readonly tolerate?: readonly number[] | undefined;
  /** Not worth a progress line on a terminal (mkdir, rmdir, each recreated directory). */
  readonly minor?: boolean | undefined;
}

export interface SnapshotPlan extends SnapshotPaths {
  readonly name: string;
  readonly source: SourceFacts;
  readonly snapshotDir: string;
  readonly snapshotSpace: FsSpace;
  readonly size: number;
  readonly sizeFrom: '--resize' | 'source';
  readonly fsType: string;
  /** Set when the source's type could not be kept. */
  readonly fsTypeNote: string | undefined;
  readonly label: string | undefined;
  readonly reuse: boolean;
  readonly reason: string;
  /** The smallest image that holds the source. */
  readonly minimumSize: number;
  /** Free space the snapshot directory needs for this run. */
  readonly spaceNeeded: number;
  readonly excludes: ExcludeList['excludes'];
  readonly systemDirs: readonly SystemDir[];
  /** The file uploaded: the snapshot, or its gzip. */
  readonly uploadFile: string;
  readonly gzip: boolean;
  readonly steps: readonly PlanStep[];
}

interface FsKind {
  readonly force: string;
  readonly labelMax: number;
  readonly checkArgv?: (file: string) => string[];
}

const EXT: FsKind = { force: '-F', labelMax: 16, checkArgv: (file) => ['e2fsck', '-p', file] };
const FS_KINDS: Record<string, FsKind> = { ext2: EXT, ext3: EXT, ext4: EXT, xfs: { force: '-f', labelMax: 12 }, btrfs: { force: '-f', labelMax: 255 } };

export const DEFAULT_FS_TYPE = 'ext4';

/** The smallest image for `used` bytes of files. */
export function minimumImageSize(used: number): number {
  return roundUpMiB(Math.ceil(used * OVERHEAD_RATIO) + OVERHEAD_BYTES);
}

const roundUpMiB = (bytes: number): number => Math.ceil(bytes / MIB) * MIB;

function systemDirOf(path: string, entry: EntryFacts | undefined): SystemDir {
  if (entry?.kind === 'directory') return { path, kind: 'directory', mode: entry.mode, uid: entry.uid, gid: entry.gid, fromSource: true };
  if (entry?.kind === 'symlink') return { path, kind: 'symlink', mode: 0o777, uid: entry.uid, gid: entry.gid, target: entry.target, fromSource: true };
  return { path, kind: 'directory', mode: path === '/tmp' || path === '/var/tmp' ? 0o1777 : 0o755, uid: 0, gid: 0, fromSource: false };
}

export function makePlan(input: PlanInput): SnapshotPlan {
  const paths = snapshotPaths(input.snapshotDir, input.name);
  const { source, existing } = input;
  const size = roundUpMiB(input.resize ?? source.fsSize);
  const known = FS_KINDS[source.fsType] !== undefined;
  const fsType = known ? source.fsType : DEFAULT_FS_TYPE;
  const kind = FS_KINDS[fsType] ?? EXT;
  const fsTypeNote = known ? undefined : `the source's file system is ${source.fsType}, which an image cannot keep: the image gets ${DEFAULT_FS_TYPE}`;
  const label = source.label?.slice(0, kind.labelMax);

  let reason: string;
  if (!existing) reason = 'new: no snapshot file from an earlier run';
  else if (input.clean) reason = 'made afresh: --clean';
  else if (existing.size !== size) reason = `made afresh: the size changed (${existing.size} → ${size} bytes)`;
  else if (existing.fsType !== fsType) reason = `made afresh: the snapshot file holds no ${fsType} file system`;
  else reason = 'reused: rsync copies only what changed since the last run';
  const reuse = reason.startsWith('reused');

  const minimumSize = minimumImageSize(source.used);
  const growth = Math.max(0, Math.min(size, minimumSize) - (reuse && existing ? existing.allocated : 0));
  const spaceNeeded = growth + (input.gzip ? source.used : 0);
  const systemDirs = input.excludes.systemDirs.map((path) => systemDirOf(path, input.systemEntries.get(path)));
  const { file, mountPoint } = paths;
  const inImage = (path: string): string => `${mountPoint}${path}`;

  const steps: PlanStep[] = [];
  if (!reuse) {
    if (existing) steps.push({ title: `discard the old snapshot file (${reason.replace(/^made afresh: /, '')})`, argv: ['truncate', '--size=0', file] });
    steps.push({ title: `make a sparse file of ${size} bytes`, argv: ['truncate', `--size=${size}`, file] });
    steps.push({ title: `format it as ${fsType}${label ? ` labelled "${label}"` : ''}`, argv: [`mkfs.${fsType}`, kind.force, '-q', ...(label ? ['-L', label] : []), file] });
  } else if (kind.checkArgv) {
    steps.push({ title: 'check the kept snapshot\'s file system', argv: kind.checkArgv(file), tolerate: [1] });
  }
  steps.push({ title: 'make the mount point', argv: ['mkdir', '-p', mountPoint], minor: true });
  steps.push({ title: 'loop-mount the snapshot file', argv: ['mount', '-t', fsType, '-o', 'loop', file, mountPoint], effect: 'mount' });
  steps.push({
    title: `copy ${source.root} into it with rsync`,
    argv: [
      'rsync', '--archive', '--hard-links', '--acls', '--xattrs', '--sparse', '--numeric-ids', '--one-file-system',
      '--delete', '--delete-excluded', '--filter=P /lost+found',
      ...input.excludes.excludes.map((exclude) => `--exclude=${exclude.pattern}`),
      source.root.endsWith('/') ? source.root : `${source.root}/`, `${mountPoint}/`,
    ],
    tolerate: [24],
  });
  for (const dir of systemDirs) {
    steps.push(dir.kind === 'symlink'
      ? { title: `recreate the symlink ${dir.path}`, argv: ['ln', '-s', '-f', '-n', dir.target ?? '', inImage(dir.path)], minor: true }
      : {
        title: `recreate ${dir.path} empty`,
        argv: ['install', '-d', '-m', dir.mode.toString(8).padStart(4, '0'), '-o', String(dir.uid), '-g', String(dir.gid), inImage(dir.path)],
        minor: true,
      });
  }
  steps.push({ title: 'unmount the snapshot', argv: ['umount', mountPoint], effect: 'unmount' });
  steps.push({ title: 'remove the mount point', argv: ['rmdir', mountPoint], minor: true });
  if (input.gzip) steps.push({ title: 'compress the snapshot', argv: ['gzip', '--keep', '--force', file] });

  return {
    ...paths, name: input.name, source, snapshotDir: input.snapshotDir, snapshotSpace: input.snapshotSpace,
    size, sizeFrom: input.resize === undefined ? 'source' : '--resize', fsType, fsTypeNote, label, reuse, reason,
    minimumSize, spaceNeeded, excludes: input.excludes.excludes, systemDirs,
    uploadFile: input.gzip ? paths.gzFile : file, gzip: input.gzip, steps,
  };
}
