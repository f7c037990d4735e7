// `--delta-store xfs`: the delta-resave row's server keeps its images on a loop-mounted XFS made
// with `reflink=1`, where the copy that starts a based-on upload (FICLONE) shares the base's
// extents instead of writing them again (ext4 has no reflinks: copy_file_range copies every
// byte). The file system is a sparse file under the bench's directory, created, mounted and
// formatted here (root, mkfs.xfs and loop devices needed), and unmounted and removed by
// remove() — also when the bench is interrupted (SIGINT, SIGTERM) or exits early.
import { spawnSync } from 'node:child_process';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface XfsStore {
  /** The mounted directory. */
  readonly path: string;
  remove(): Promise<void>;
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.error?.message ?? result.stderr.trim()} (--delta-store xfs needs root, mkfs.xfs and loop mounts)`);
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
  // Synchronous, so that it also runs from an 'exit' handler.
  const cleanup = (): void => {
    if (mounted) spawnSync('umount', [path]);
    mounted = false;
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
    run('mount', ['-o', 'loop', image, path]);
    mounted = true;
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, remove };
}
