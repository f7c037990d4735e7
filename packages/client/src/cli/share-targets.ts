/**
 * The `--user U` / `--group G` flags of share-image and unshare-image: repeatable or
 * comma-separated, at least one required.
 */
import type { Command } from 'commander';
import { UsageError } from './cli-errors.js';
import { collect, parseList } from './parse-values.js';

export type ShareTarget = { user: string } | { group: string };

export function addShareTargetOptions(command: Command): Command {
  return command
    .option('--user <USER>', 'a user (repeatable, or comma-separated)', collect)
    .option('--group <GROUP>', 'a group (repeatable, or comma-separated)', collect);
}

export function readShareTargets(flags: Readonly<Record<string, unknown>>, verb: string): ShareTarget[] {
  const targets: ShareTarget[] = [
    ...parseList(flags.user).map((user) => ({ user })),
    ...parseList(flags.group).map((group) => ({ group })),
  ];
  if (targets.length === 0) throw new UsageError(`say whom to ${verb}: --user USER and/or --group GROUP`);
  return targets;
}

export function describeTarget(target: ShareTarget): string {
  return 'user' in target ? `user ${target.user}` : `group ${target.group}`;
}
