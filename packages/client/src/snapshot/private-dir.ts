/**
 * The snapshot files live in a directory only root can enter (`repoman-snapshots`, mode 0700,
 * owner root) inside the snapshot directory, so that a snapshot of the machine — every file
 * of it, whatever the source's own permissions — is never readable by other users, even in
 * a shared `/tmp`. One that is there already must be exactly that (not a symlink, not another
 * user's): else the run is refused before anything is made.
 */
import { CliError } from '../cli/cli-errors.js';
import type { SnapshotHost } from './snapshot-host.js';

/** Whether the private directory exists; throws when something else is in its place. */
export async function checkPrivateDir(path: string, host: SnapshotHost): Promise<boolean> {
  const entry = await host.entry(path);
  if (!entry) return false;
  if (entry.kind !== 'directory' || entry.uid !== 0 || (entry.mode & 0o077) !== 0) {
    const what = entry.kind !== 'directory' ? `a ${entry.kind}` : `mode ${entry.mode.toString(8).padStart(4, '0')}, owner uid ${entry.uid}`;
    throw new CliError(`${path} must be a directory only root can use (mode 0700, owner root), but it is ${what}: remove it, or choose another --snapshot-dir`);
  }
  return true;
}

export async function makePrivateDir(path: string, host: SnapshotHost): Promise<void> {
  if (await checkPrivateDir(path, host)) return;
  await host.makeDir(path, 0o700);
  await checkPrivateDir(path, host); // a race with someone else's directory fails here
}
