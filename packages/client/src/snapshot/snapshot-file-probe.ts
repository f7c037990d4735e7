/**
 * The snapshot file an earlier save-image run left in the snapshot directory, if any: its
 * size, the bytes it really occupies (it is sparse), and the file-system type `blkid` finds in
 * it — the plan reuses it only when size and type still match. Nothing is changed.
 */
import { CliError } from '../cli/cli-errors.js';
import type { CommandRunner } from './command-runner.js';
import type { ExistingSnapshot } from './snapshot-plan.js';
import type { SnapshotHost } from './snapshot-host.js';

export async function probeSnapshotFile(file: string, runner: CommandRunner, host: SnapshotHost): Promise<ExistingSnapshot | undefined> {
  const entry = await host.entry(file);
  if (!entry) return undefined;
  if (entry.kind !== 'file') throw new CliError(`${file} is in the way and is not a snapshot file: move it away, or choose another --snapshot-dir`);
  const blkid = await runner.run(['blkid', '--probe', '--output', 'value', '--match-tag', 'TYPE', file]);
  const fsType = blkid.code === 0 && blkid.stdout.trim() !== '' ? blkid.stdout.trim() : undefined;
  return { size: entry.size, allocated: entry.allocated, fsType };
}
