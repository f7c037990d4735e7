/**
 * The key-like files an image would carry although no credential exclude caught them, so that
 * the plan (and `--dry-run`) can name each one before it is uploaded: `*.pem` files holding a
 * private key, `id_*` (SSH keys; not their `.pub`), and `*.key`. rsync itself lists them with
 * the run's own excludes in front (`--list-only`), so the list is exactly what the copy would
 * take, however the patterns are written. Nothing is changed.
 */
import { join } from 'node:path';
import { CliError } from '../cli/cli-errors.js';
import type { CommandRunner } from './command-runner.js';
import type { Exclude } from './exclude-list.js';
import type { SnapshotHost } from './snapshot-host.js';

const KEY_PATTERNS = ['*.pem', 'id_*', '*.key'];
/** A listing line: mode, size (maybe with commas), date, time, path. */
const LISTING = /^(\S)\S*\s+[\d,.]+\s+\S+\s+\S+\s+(.+)$/;

export async function findKeyFiles(root: string, excludes: readonly Exclude[], runner: CommandRunner, host: SnapshotHost): Promise<string[]> {
  const listed = await runner.run([
    'rsync', '--recursive', '--one-file-system', '--list-only', '--prune-empty-dirs',
    ...excludes.map((exclude) => `--exclude=${exclude.pattern}`),
    '--include=*/', ...KEY_PATTERNS.map((pattern) => `--include=${pattern}`), '--exclude=*',
    root.endsWith('/') ? root : `${root}/`,
  ]);
  // 23 and 24 (a file unreadable or vanished on a live system): what was listed still counts
  if (listed.code !== 0 && listed.code !== 23 && listed.code !== 24) {
    throw new CliError(`cannot list the key-like files in ${root} (rsync exited ${listed.code}: ${listed.stderr.trim().split('\n').pop() ?? ''})`);
  }
  const found: string[] = [];
  for (const line of listed.stdout.split('\n')) {
    const [, kind, path] = LISTING.exec(line) ?? [];
    if (kind !== '-' || path === undefined) continue;
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (name.startsWith('id_') && name.endsWith('.pub')) continue;
    if (name.endsWith('.pem') && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test((await host.readText(join(root, path))) ?? '')) continue;
    found.push(`/${path}`);
  }
  return found;
}
