/**
 * The snapshot file an earlier save-image run left in the snapshot directory, if any: its
 * size, the bytes it really occupies (it is sparse), and the file-system type and UUID `blkid`
 * finds in it (in the partition at `offset`, for a `--disk` image) — the plan reuses it only
 * when they still match. And the source's used space
 * without it: when the snapshot lies on the source's file system (the default /tmp on /), the
 * measured used space counts it, and an image of the machine must not be sized by its own
 * previous copy. Nothing is changed.
 */
import { isAbsolute, relative } from 'node:path';
import { CliError } from '../cli/cli-errors.js';
import type { CommandRunner } from './command-runner.js';
import type { ExistingSnapshot } from './snapshot-plan.js';
import type { SnapshotHost } from './snapshot-host.js';
import type { SourceFacts } from './source-probe.js';

export async function probeSnapshotFile(file: string, runner: CommandRunner, host: SnapshotHost, offset = 0): Promise<ExistingSnapshot | undefined> {
  const entry = await host.entry(file);
  if (!entry) return undefined;
  if (entry.kind !== 'file') throw new CliError(`${file} is in the way and is not a snapshot file: move it away, or choose another --snapshot-dir`);
  const blkid = await runner.run(['blkid', '--probe', ...(offset ? ['--offset', String(offset)] : []), '--output', 'export', file]);
  const tag = (name: string): string | undefined => (blkid.code === 0 ? new RegExp(`^${name}=(.+)$`, 'm').exec(blkid.stdout)?.[1] : undefined);
  return { size: entry.size, allocated: entry.allocated, fsType: tag('TYPE'), uuid: tag('UUID') };
}

/** `source` with the snapshot file's bytes taken out of its used space when they were counted in it. */
export async function withoutSnapshot(source: SourceFacts, snapshotDir: string, existing: ExistingSnapshot | undefined, host: SnapshotHost): Promise<SourceFacts> {
  if (!existing) return source;
  const [dir, root] = [await host.entry(snapshotDir), await host.entry(source.root)];
  const rel = relative(source.root, snapshotDir);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  const counted = dir !== undefined && root !== undefined && dir.device === root.device && (source.usedBy === 'statfs' || inside);
  return counted ? { ...source, used: Math.max(0, source.used - existing.allocated) } : source;
}
