/**
 * What save-image reads about the machine without running a tool: who we are, the space of a
 * file system (statfs), a directory entry's kind, mode and owner (lstat), a file's size and
 * allocated bytes, a directory's names, whether a pid is alive, and small text files
 * (/sys/class/dmi); and it makes the private snapshot directory. Injected
 * next to the `CommandRunner`, so that the checks can be unit-tested with made-up machines.
 */
import { chmod, lstat, mkdir, readdir, readFile, readlink, realpath, statfs } from 'node:fs/promises';

export interface FsSpace {
  /** Bytes in the file system. */
  readonly size: number;
  /** Bytes in use. */
  readonly used: number;
  /** Bytes root can still write. */
  readonly free: number;
}

export interface EntryFacts {
  readonly kind: 'directory' | 'symlink' | 'file' | 'other';
  /** Permission bits with setuid, setgid and sticky (`0o1777`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** A symlink's target. */
  readonly target?: string | undefined;
  /** Apparent size in bytes. */
  readonly size: number;
  /** Bytes actually allocated (a sparse file has few). */
  readonly allocated: number;
  /** The file system it is on (st_dev). */
  readonly device: number;
}

export interface SnapshotHost {
  readonly uid: number;
  readonly pid: number;
  /** The space of the file system holding `path`. */
  space(path: string): Promise<FsSpace>;
  /** The entry at `path` itself (a symlink is not followed), or undefined when there is none. */
  entry(path: string): Promise<EntryFacts | undefined>;
  /** `path` with symlinks resolved; rejects when it does not exist. */
  realpath(path: string): Promise<string>;
  /** The names in a directory, or undefined when it cannot be read. */
  list(path: string): Promise<string[] | undefined>;
  /** Makes one directory with exactly this mode (no umask). */
  makeDir(path: string, mode: number): Promise<void>;
  /** A small text file, or undefined when it cannot be read. */
  readText(path: string): Promise<string | undefined>;
  /** Whether a process with this pid exists. */
  isAlive(pid: number): boolean;
}

export function systemHost(uid: number): SnapshotHost {
  return {
    uid,
    pid: process.pid,
    async space(path) {
      const info = await statfs(path);
      return { size: info.blocks * info.bsize, used: (info.blocks - info.bfree) * info.bsize, free: info.bfree * info.bsize };
    },
    async entry(path) {
      let info;
      try {
        info = await lstat(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw error;
      }
      const kind = info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : info.isFile() ? 'file' : 'other';
      return {
        kind, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, size: info.size, allocated: info.blocks * 512, device: info.dev,
        target: kind === 'symlink' ? await readlink(path) : undefined,
      };
    },
    realpath: (path) => realpath(path),
    list: (path) => readdir(path).catch(() => undefined),
    async makeDir(path, mode) {
      await mkdir(path, { mode });
      await chmod(path, mode);
    },
    readText: (path) => readFile(path, 'utf8').catch(() => undefined),
    isAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  };
}
