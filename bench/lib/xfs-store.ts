// `--delta-store xfs`: the delta-resave row's server keeps its images on a loop-mounted XFS made
// with `reflink=1`, where the copy that starts a based-on upload (FICLONE) shares the base's
// extents instead of writing them again (ext4 has no reflinks: copy_file_range copies every
// byte). The file system is a sparse file under the bench's directory, created, mounted and
// formatted here (root, mkfs.xfs and loop devices needed), and unmounted and removed by
// remove() — also when the bench is interrupted (SIGINT, SIGTERM) or exits early. The loop
// device does direct I/O on its file (`losetup --direct-io=on`), as a disk would: a buffered
// loop device caches every byte a second time, in the page cache of the file beneath, which
// costs this VM ~1.5 s of kernel CPU per GiB (docs/performance.md).
import { spawnSync } from 'node:child_process';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface XfsStore {
  /** The mounted directory. */
  readonly path: string;
  remove(): Promise<void>;
}

/** Runs `command`; its standard output. */
function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.error?.message ?? result.stderr.trim()} (--delta-store xfs needs root, mkfs.xfs and loop mounts)`);
  return result.stdout;
}

/** Mounts a fresh XFS of `bytes` (sparse) at `dir`/mnt. */
export async function mountXfsStore(dir: string, bytes: number): Promise<XfsStore> {
  const image = join(dir, 'xfs.img');
  const path = join(dir, 'mnt');
  await mkdir(path, { recursive: true });
  const file = await open(image, 'w');
  await file.truncate(bytes);
  await file.close();
  let mounted = false;
  let device: string | undefined;
  // Synchronous, so that it also runs from an 'exit' handler.
  const cleanup = (): void => {
    if (mounted) spawnSync('umount', [path]);
    mounted = false;
    if (device !== undefined) spawnSync('losetup', ['-d', device]);
    device = undefined;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanup();
    process.kill(process.pid, signal);
  };
  const remove = async (): Promise<void> => {
    process.off('exit', cleanup);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
    await rm(image, { force: true });
    await rm(path, { recursive: true, force: true });
  };
  try {
    run('mkfs.xfs', ['-q', '-f', '-m', 'reflink=1', image]);
    process.once('exit', cleanup);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    device = run('losetup', ['--find', '--show', '--direct-io=on', image]).trim();
    run('mount', [device, path]);
    mounted = true;
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, remove };
}
