/**
 * The plan as people read it, printed by `save-image --dry-run`: the source and what it uses,
 * the image file (size, type, label, new or reused and why), the snapshot directory's free
 * space against what the run needs, the lock, the directories copied empty with their modes,
 * every exclude with where it came from, the key-like files it would copy all the same, how a
 * `--disk` image boots, the upload, and each command exactly as it would run (shell-quoted,
 * with the text a command reads on its standard input as a here-document).
 */
import { formatBytes } from '../cli/format.js';
import { shellQuote } from './command-runner.js';
import type { ExcludeOrigin } from './exclude-list.js';
import type { SnapshotPlan } from './snapshot-plan.js';

const ORIGINS: Record<ExcludeOrigin, string> = {
  system: 'system, copied empty',
  snapshot: 'the snapshot directory and lock',
  credentials: 'credentials: keep them with --include-credentials',
  config: 'config user_excludes',
  '--exclude': '--exclude',
  '--exclude-from': '--exclude-from',
};

export function formatPlan(plan: SnapshotPlan, upload: ReadonlyArray<readonly [string, string]>): string[] {
  const { source } = plan;
  const fields: Array<readonly [string, string]> = [
    ['source', `${source.root} (${source.fsType} on ${source.device || '?'}, mounted at ${source.mountPoint}); `
      + `uses ${formatBytes(source.used)}${source.usedBy === 'du' ? ' (du)' : ''}`],
    ['image file', `${plan.file}: ${formatBytes(plan.size)} sparse (${plan.sizeFrom === '--resize' ? '--resize' : 'the used space plus 30% and 256 MiB'}), `
      + `${plan.disk ? 'a whole disk: partition table, one ' : ''}${plan.fsType}${plan.disk ? ' partition' : ''}${plan.label ? ` labelled "${plan.label}"` : ', no label'}; ${plan.reason}`],
    ...(plan.disk ? [['boot', `extlinux: ${plan.disk.kernel}${plan.disk.initrd ? ` with ${plan.disk.initrd}` : ', no initrd'}, root=UUID=${plan.disk.uuid}`] as const] : []),
    ['format', `${plan.format}${plan.compress ? ' (compressed)' : ''}`],
    ...(plan.fsTypeNote ? [['note', plan.fsTypeNote] as const] : []),
    ['minimum size', `${formatBytes(plan.minimumSize)} (the used space, plus 5% and 64 MiB for the file system itself)`],
    ['snapshot dir', `${plan.snapshotDir}: ${formatBytes(plan.snapshotSpace.free)} free, this run needs about ${formatBytes(plan.spaceNeeded)}`],
    ['lock file', plan.lockFile],
    ['copied empty', plan.systemDirs.map((dir) => (dir.kind === 'symlink' ? `${dir.path} -> ${dir.target ?? ''}`
      : `${dir.path} ${dir.mode.toString(8).padStart(4, '0')} ${dir.uid}:${dir.gid}${dir.fromSource ? '' : ' (not in the source: default)'}`)).join(', ')],
    ...excludeLines(plan),
    ['key-like files', plan.keyFiles.length === 0 ? 'none copied' : `copied: ${plan.keyFiles.join(' ')} (leave them out with --exclude)`],
    ...upload,
  ];
  const width = Math.max(...fields.map(([key]) => key.length)) + 1;
  return [
    `save-image ${plan.name}: dry run, nothing is changed`,
    ...fields.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value}`),
    'commands:',
    ...plan.steps.flatMap((step) => (step.input === undefined ? [`  ${shellQuote(step.argv)}`]
      : [`  ${shellQuote(step.argv)} <<'EOF'`, ...step.input.replace(/\n$/, '').split('\n').map((line) => `  ${line}`), '  EOF'])),
    `  (upload ${plan.uploadFile}; the snapshot file is kept for the next run)`,
  ];
}

function excludeLines(plan: SnapshotPlan): Array<readonly [string, string]> {
  const byOrigin = new Map<ExcludeOrigin, string[]>();
  for (const exclude of plan.excludes) byOrigin.set(exclude.origin, [...(byOrigin.get(exclude.origin) ?? []), exclude.pattern]);
  return [...byOrigin].map(([origin, patterns]) => ['excluded', `${patterns.join(' ')} (${ORIGINS[origin]})`] as const);
}
