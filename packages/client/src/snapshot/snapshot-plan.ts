/**
 * The plan of one save-image run, computed from facts alone (no side effects), so that
 * `--dry-run` can print it and tests can check it: where the snapshot file, its mount point,
 * the lock and the compressed copy live; the image's size (`--resize`, else the used space
 * plus 30% and 256 MiB, rounded up to a MiB — not the size of the source's file system),
 * file-system type and label (the source's; ext4 when it is not one mkfs can make); whether
 * the file from the last run is reused (an incremental rsync) or made afresh (none yet,
 * `--clean`, the size changed, no file system of that type in it); the minimum size and the
 * free space it needs; and the commands, in order, with which ones mount and unmount (for the
 * cleanup on failure). With `--disk` the file is a whole disk: a DOS partition table, one
 * bootable partition at 1 MiB holding the file system (with the source's UUID), extlinux
 * installed in its /boot/extlinux and booting the source's kernel, and extlinux's MBR code;
 * `--format qcow2` converts the result with qemu-img.
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
/** Room to grow left in an image sized by default: 30% of the used space and 256 MiB. */
const HEADROOM_RATIO = 1.3;
const HEADROOM_BYTES = 256 * MIB;
/** Where the partition of a `--disk` image starts (sector 2048, as fdisk does). */
export const PARTITION_OFFSET = MIB;
/** extlinux's MBR boot code (Debian syslinux-common). */
export const EXTLINUX_MBR = '/usr/lib/EXTLINUX/mbr.bin';
/** The private directory (0700, root) inside the snapshot directory that holds the files. */
export const PRIVATE_DIR_NAME = 'repoman-snapshots';

export interface SnapshotPaths {
  /** The image file, kept between runs. */
  readonly file: string;
  readonly mountPoint: string;
  readonly gzFile: string;
  /** The qcow2 made by `--format qcow2`. */
  readonly qcow2File: string;
  readonly lockFile: string;
}

/** Where the files of image `name` live in the snapshot directory. */
export function snapshotPaths(snapshotDir: string, name: string): SnapshotPaths {
  const file = join(snapshotDir, `repoman-snapshot-${name.replace(/\.gz$/, '').replace(/\.qcow2$/, '')}`);
  return { file, mountPoint: `${file}.mnt`, gzFile: `${file}.gz`, qcow2File: `${file}.qcow2`, lockFile: join(snapshotDir, LOCK_NAME) };
}

export interface ExistingSnapshot {
  readonly size: number;
  readonly allocated: number;
  /** The file-system type blkid finds in it (in its partition, for a disk), if any. */
  readonly fsType: string | undefined;
  /** That file system's UUID. */
  readonly uuid?: string | undefined;
}

/** What `--disk` needs: the kernel and initrd of the source's /boot, and the root's UUID. */
export interface DiskInput {
  /** Paths inside the source, `/boot/vmlinuz-6.1.0-13-amd64`. */
  readonly kernel: string;
  readonly initrd: string | undefined;
  /** The UUID the file system must have (the source's), or undefined for a new one. */
  readonly keepUuid: string | undefined;
  /** A fresh UUID, used when none is kept and the disk is made afresh. */
  readonly newUuid: string;
}

export type ImageFormat = 'raw' | 'qcow2';

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
  /** Set for `--disk`. */
  readonly disk?: DiskInput | undefined;
  readonly format?: ImageFormat | undefined;
  /** qcow2's own compression (`--compress`). */
  readonly compress?: boolean | undefined;
  /** Key-like files the copy would take (`findKeyFiles`). */
  readonly keyFiles?: readonly string[] | undefined;
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
  /** Text given to the command on its standard input (sfdisk's table, extlinux.conf). */
  readonly input?: string | undefined;
}

/** How a `--disk` image boots. */
export interface DiskPlan {
  readonly kernel: string;
  readonly initrd: string | undefined;
  readonly uuid: string;
  /** Bytes of the root partition. */
  readonly partitionSize: number;
  /** The extlinux.conf written into the image. */
  readonly bootConfig: string;
}

export interface SnapshotPlan extends SnapshotPaths {
  readonly name: string;
  readonly source: SourceFacts;
  readonly snapshotDir: string;
  readonly snapshotSpace: FsSpace;
  readonly size: number;
  readonly sizeFrom: '--resize' | 'used space';
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
  readonly disk: DiskPlan | undefined;
  readonly format: ImageFormat;
  readonly compress: boolean;
  readonly keyFiles: readonly string[];
  readonly steps: readonly PlanStep[];
}

interface FsKind {
  readonly force: string;
  readonly labelMax: number;
  readonly checkArgv?: (file: string) => string[];
}

const EXT: FsKind = { force: '-F', labelMax: 16, checkArgv: (file) => ['e2fsck', '-p', file] };
/** The file-system types a `--disk` image can boot from (extlinux reads them). */
const DISK_FS_TYPES = new Set(['ext2', 'ext3', 'ext4']);
const FS_KINDS: Record<string, FsKind> = { ext2: EXT, ext3: EXT, ext4: EXT, xfs: { force: '-f', labelMax: 12 }, btrfs: { force: '-f', labelMax: 255 } };

export const DEFAULT_FS_TYPE = 'ext4';

/** The smallest image for `used` bytes of files. */
export function minimumImageSize(used: number): number {
  return roundUpMiB(Math.ceil(used * OVERHEAD_RATIO) + OVERHEAD_BYTES);
}

/** The size of an image when `--resize` is not given: the used space plus 30% and 256 MiB. */
export function defaultImageSize(used: number): number {
  return roundUpMiB(Math.ceil(used * HEADROOM_RATIO) + HEADROOM_BYTES);
}

const roundUpMiB = (bytes: number): number => Math.ceil(bytes / MIB) * MIB;

/** extlinux.conf booting `kernel` at once, root found by UUID, console on the screen and the first serial port. */
export function extlinuxConfig(kernel: string, initrd: string | undefined, uuid: string): string {
  return ['DEFAULT linux', 'PROMPT 0', 'TIMEOUT 1', 'LABEL linux', `  LINUX ${kernel}`, ...(initrd ? [`  INITRD ${initrd}`] : []),
    `  APPEND root=UUID=${uuid} ro console=tty0 console=ttyS0,115200`, ''].join('\n');
}

function systemDirOf(path: string, entry: EntryFacts | undefined): SystemDir {
  if (entry?.kind === 'directory') return { path, kind: 'directory', mode: entry.mode, uid: entry.uid, gid: entry.gid, fromSource: true };
  if (entry?.kind === 'symlink') return { path, kind: 'symlink', mode: 0o777, uid: entry.uid, gid: entry.gid, target: entry.target, fromSource: true };
  return { path, kind: 'directory', mode: path === '/tmp' || path === '/var/tmp' ? 0o1777 : 0o755, uid: 0, gid: 0, fromSource: false };
}

export function makePlan(input: PlanInput): SnapshotPlan {
  const paths = snapshotPaths(input.snapshotDir, input.name);
  const { source, existing } = input;
  const { disk: diskInput } = input;
  const offset = diskInput ? PARTITION_OFFSET : 0;
  const size = roundUpMiB(input.resize ?? defaultImageSize(source.used) + offset);
  const known = diskInput ? DISK_FS_TYPES.has(source.fsType) : FS_KINDS[source.fsType] !== undefined;
  const fsType = known ? source.fsType : DEFAULT_FS_TYPE;
  const kind = FS_KINDS[fsType] ?? EXT;
  const fsTypeNote = known ? undefined : `the source's file system is ${source.fsType}, which ${diskInput ? 'a bootable disk' : 'an image'} cannot keep: the image gets ${DEFAULT_FS_TYPE}`;
  const label = source.label?.slice(0, kind.labelMax);
  const format = input.format ?? 'raw';

  let reason: string;
  if (!existing) reason = 'new: no snapshot file from an earlier run';
  else if (input.clean) reason = 'made afresh: --clean';
  else if (existing.size !== size) reason = `made afresh: the size changed (${existing.size} → ${size} bytes)`;
  else if (existing.fsType !== fsType) reason = `made afresh: the snapshot file holds no ${fsType} file system${diskInput ? ' in a partition' : ''}`;
  else if (diskInput?.keepUuid !== undefined && existing.uuid !== diskInput.keepUuid) reason = `made afresh: its UUID is not the source's ${diskInput.keepUuid}`;
  else if (diskInput && diskInput.keepUuid === undefined && existing.uuid === source.uuid) reason = 'made afresh: it has the source\'s UUID, and a new one is asked for';
  else reason = 'reused: rsync copies only what changed since the last run';
  const reuse = reason.startsWith('reused');

  const minimumSize = minimumImageSize(source.used) + offset;
  const written = Math.max(0, Math.min(size, minimumSize) - (reuse && existing ? existing.allocated : 0));
  const spaceNeeded = written + (input.gzip || format === 'qcow2' ? source.used : 0);
  const systemDirs = input.excludes.systemDirs.map((path) => systemDirOf(path, input.systemEntries.get(path)));
  const { file, mountPoint } = paths;
  const inImage = (path: string): string => `${mountPoint}${path}`;
  const partitionSize = size - offset;
  const uuid = (reuse ? existing?.uuid : diskInput?.keepUuid) ?? diskInput?.newUuid;
  const disk: DiskPlan | undefined = diskInput && uuid !== undefined ? {
    kernel: diskInput.kernel, initrd: diskInput.initrd, uuid, partitionSize,
    bootConfig: extlinuxConfig(diskInput.kernel, diskInput.initrd, uuid),
  } : undefined;
  /** The file system as tools that take a file see it: e2fsprogs read `FILE?offset=N`. */
  const fsFile = disk ? `${file}?offset=${offset}` : file;

  const steps: PlanStep[] = [];
  if (!reuse) {
    if (existing) steps.push({ title: `discard the old snapshot file (${reason.replace(/^made afresh: /, '')})`, argv: ['truncate', '--size=0', file] });
    steps.push({ title: `make a sparse file of ${size} bytes`, argv: ['truncate', `--size=${size}`, file] });
  }
  steps.push({ title: 'make the snapshot file readable by root only', argv: ['chmod', '0600', file], minor: true });
  if (!reuse) {
    if (disk) {
      steps.push({ title: 'write a partition table: one bootable partition at 1 MiB', argv: ['sfdisk', '--quiet', file], input: `label: dos\nstart=${offset / 512}, type=83, bootable\n` });
    }
    steps.push({
      title: `format ${disk ? 'the partition' : 'it'} as ${fsType}${label ? ` labelled "${label}"` : ''}`,
      argv: [`mkfs.${fsType}`, kind.force, '-q', ...(label ? ['-L', label] : []),
        // -b 4096: below 512 MiB mkfs picks 1 KiB blocks, from which extlinux fails to read the kernel (I/O error)
        ...(disk ? ['-b', '4096', '-U', disk.uuid, '-E', `offset=${offset}`, file, `${partitionSize / 1024}k`] : [file])],
    });
  } else if (kind.checkArgv) {
    steps.push({ title: 'check the kept snapshot\'s file system', argv: kind.checkArgv(fsFile), tolerate: [1] });
  }
  steps.push({ title: 'make the mount point', argv: ['mkdir', '-p', mountPoint], minor: true });
  steps.push({
    title: 'loop-mount the snapshot file',
    argv: ['mount', '-t', fsType, '-o', disk ? `loop,offset=${offset},sizelimit=${partitionSize}` : 'loop', file, mountPoint], effect: 'mount',
  });
  steps.push({
    title: `copy ${source.root} into it with rsync`,
    argv: [
      'rsync', '--archive', '--hard-links', '--acls', '--xattrs', '--sparse', '--numeric-ids', '--one-file-system',
      // extlinux's own files are immutable: rsync must leave them to extlinux --install
      '--delete', '--delete-excluded', '--filter=P /lost+found', ...(disk ? ['--filter=P /boot/extlinux/'] : []),
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
  if (disk) {
    const bootDir = inImage('/boot/extlinux');
    steps.push({ title: 'make /boot/extlinux', argv: ['mkdir', '-p', bootDir], minor: true });
    steps.push({ title: 'install the extlinux bootloader', argv: ['extlinux', '--install', bootDir] });
    steps.push({ title: `configure it to boot ${disk.kernel} with root=UUID=${disk.uuid}`, argv: ['tee', `${bootDir}/extlinux.conf`], input: disk.bootConfig, minor: true });
  }
  // syncfs reports the write errors of a snapshot disk that filled up during the copy, which rsync never sees
  steps.push({ title: 'write the snapshot out to its disk', argv: ['sync', '--file-system', mountPoint] });
  steps.push({ title: 'unmount the snapshot', argv: ['umount', mountPoint], effect: 'unmount' });
  steps.push({ title: 'remove the mount point', argv: ['rmdir', mountPoint], minor: true });
  if (disk) steps.push({ title: 'write the boot code into the MBR', argv: ['dd', `if=${EXTLINUX_MBR}`, `of=${file}`, 'bs=440', 'count=1', 'conv=notrunc'] });
  const compress = input.compress === true && format === 'qcow2';
  if (format === 'qcow2') {
    steps.push({ title: `convert it to qcow2${compress ? ' (compressed)' : ''}`, argv: ['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', ...(compress ? ['-c'] : []), file, paths.qcow2File] });
  }
  const converted = format === 'qcow2' ? paths.qcow2File : file;
  if (input.gzip) steps.push({ title: 'compress the snapshot', argv: ['gzip', '--keep', '--force', file] });

  return {
    ...paths, name: input.name, source, snapshotDir: input.snapshotDir, snapshotSpace: input.snapshotSpace,
    size, sizeFrom: input.resize === undefined ? 'used space' : '--resize', fsType, fsTypeNote, label, reuse, reason,
    minimumSize, spaceNeeded, excludes: input.excludes.excludes, systemDirs,
    uploadFile: input.gzip ? paths.gzFile : converted, gzip: input.gzip, disk, format, compress, keyFiles: input.keyFiles ?? [], steps,
  };
}
