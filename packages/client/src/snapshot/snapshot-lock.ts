/**
 * The lock that stops two save-image runs in one snapshot directory at once: a file created
 * with O_EXCL holding the owner's pid. A lock whose pid is no longer running is stale (a run
 * killed with SIGKILL, a reboot) and may be taken over: the taker removes it and creates its
 * own, and says so. `inspectLock` only looks (for the checks and --dry-run); `acquireLock`
 * takes it; `release` removes it only while it still holds our pid.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { CliError } from '../cli/cli-errors.js';

export type LockState =
  | { readonly state: 'free' }
  | { readonly state: 'held'; readonly pid: number }
  | { readonly state: 'stale'; readonly pid: number | undefined };

export interface HeldLock {
  /** The pid of the stale lock taken over, if any. */
  readonly tookOverFrom: number | undefined | 'unreadable';
  release(): Promise<void>;
}

export async function inspectLock(path: string, isAlive: (pid: number) => boolean): Promise<LockState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'free' };
    throw error;
  }
  const pid = /^\s*(\d+)\s*$/.test(text) ? Number(text) : undefined;
  if (pid !== undefined && pid > 0 && isAlive(pid)) return { state: 'held', pid };
  return { state: 'stale', pid };
}

export function heldMessage(path: string, pid: number): string {
  return `another repoman save-image (pid ${pid}) is running in this snapshot directory: wait for it to end (lock file ${path})`;
}

export async function acquireLock(path: string, pid: number, isAlive: (pid: number) => boolean): Promise<HeldLock> {
  let tookOverFrom: HeldLock['tookOverFrom'];
  for (let attempt = 0; ; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(`${pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CliError(`cannot create the lock file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the snapshot directory`);
      }
      const found = await inspectLock(path, isAlive);
      if (found.state === 'held') throw new CliError(heldMessage(path, found.pid));
      if (attempt > 0) throw new CliError(`cannot take the lock file ${path}: another run is taking it; try again`);
      if (found.state === 'stale') {
        tookOverFrom = found.pid ?? 'unreadable';
        await unlink(path).catch(() => undefined);
      }
    }
  }
  return {
    tookOverFrom,
    async release() {
      const text = await readFile(path, 'utf8').catch(() => '');
      if (text.trim() === String(pid)) await unlink(path).catch(() => undefined);
    },
  };
}
