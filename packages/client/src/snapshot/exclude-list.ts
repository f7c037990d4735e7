/**
 * What save-image leaves out of the image, and why. The system directories (`/dev /proc
 * /sys /tmp /run /mnt`, or config `[ThisImage] system_excludes`) are copied empty: left out
 * of rsync, then recreated with their mode and owner so the image boots. The snapshot
 * directory and the lock file are left out when they lie inside the source. Credentials are
 * left out unless `--include-credentials`: SSH keys of root and the users, the host's SSH
 * keys, grid proxies, grid user and host keys, cloud-init's instance state (its ids and
 * the keys it was handed). Then the user's:
 * config `user_excludes`, each `--exclude`, and the lines of `--exclude-from FILE` (blank
 * lines and `#` or `;` comments skipped). Patterns are rsync's: a leading `/` anchors at the
 * source's root (`/root/.ssh`), a pattern without one matches at any depth (`*.pem`).
 */
import { isAbsolute, relative } from 'node:path';
import { UsageError } from '../cli/cli-errors.js';

export const DEFAULT_SYSTEM_EXCLUDES: readonly string[] = ['/dev', '/proc', '/sys', '/tmp', '/run', '/mnt'];

/** What an image must not carry to whoever boots it (the 2011 client left out /root/.ssh). */
export const CREDENTIAL_EXCLUDES: readonly string[] = [
  '/root/.ssh', '/home/*/.ssh', '/etc/ssh/ssh_host_*', '/tmp/x509up_*', '/root/.globus/userkey.pem', '/home/*/.globus/userkey.pem',
  '/etc/grid-security/hostkey.pem', '/var/lib/cloud/instance*',
];

export type ExcludeOrigin = 'system' | 'snapshot' | 'credentials' | 'config' | '--exclude' | '--exclude-from';

export interface Exclude {
  readonly pattern: string;
  readonly origin: ExcludeOrigin;
}

export interface ExcludeInput {
  /** The source directory (resolved). */
  readonly root: string;
  readonly snapshotDir: string;
  readonly lockFile: string;
  /** Config `system_excludes` (space- or comma-separated), undefined for the default list. */
  readonly systemExcludes?: string | undefined;
  /** Config `user_excludes`. */
  readonly userExcludes?: string | undefined;
  readonly flags: readonly string[];
  /** The text of `--exclude-from FILE`. */
  readonly fromFile?: string | undefined;
  /** `--include-credentials`: keep them. */
  readonly includeCredentials?: boolean | undefined;
}

export interface ExcludeList {
  /** Directories copied empty, as paths from the source's root (`/tmp`). */
  readonly systemDirs: readonly string[];
  /** Every rsync exclude, system directories first. */
  readonly excludes: readonly Exclude[];
}

const words = (text: string | undefined): string[] => (text ?? '').split(/[\s,]+/).filter((word) => word !== '');

/** `/tmp/` → `/tmp`; refuses what is not an absolute path. */
function systemDir(path: string): string {
  if (!path.startsWith('/') || path.split('/').includes('..')) {
    throw new UsageError(`system_excludes takes absolute directories such as /tmp, not "${path}": fix [ThisImage] system_excludes in your repoman.conf`);
  }
  const trimmed = path.replace(/\/+$/, '').replace(/\/{2,}/g, '/');
  if (trimmed === '') throw new UsageError('system_excludes cannot hold / itself: fix [ThisImage] system_excludes in your repoman.conf');
  return trimmed;
}

/** `path` as a pattern anchored at `root`, or undefined when it lies outside it. */
function inside(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return `/${rel}`;
}

export function buildExcludes(input: ExcludeInput): ExcludeList {
  if (relative(input.root, input.snapshotDir) === '') {
    throw new UsageError(`the snapshot directory ${input.snapshotDir} is the source itself: choose another --snapshot-dir`);
  }
  const systemDirs = [...new Set(input.systemExcludes === undefined ? DEFAULT_SYSTEM_EXCLUDES : words(input.systemExcludes).map(systemDir))];
  const excludes: Exclude[] = [];
  const seen = new Set<string>();
  const add = (pattern: string | undefined, origin: ExcludeOrigin): void => {
    if (pattern === undefined || pattern === '' || seen.has(pattern)) return;
    seen.add(pattern);
    excludes.push({ pattern, origin });
  };
  for (const dir of systemDirs) add(dir, 'system');
  add(inside(input.root, input.snapshotDir), 'snapshot');
  add(inside(input.root, input.lockFile), 'snapshot');
  if (!input.includeCredentials) for (const pattern of CREDENTIAL_EXCLUDES) add(pattern, 'credentials');
  for (const pattern of words(input.userExcludes)) add(pattern, 'config');
  for (const pattern of input.flags) add(pattern.trim(), '--exclude');
  for (const line of (input.fromFile ?? '').split(/\r?\n/)) {
    const pattern = line.trim();
    if (pattern !== '' && !pattern.startsWith('#') && !pattern.startsWith(';')) add(pattern, '--exclude-from');
  }
  return { systemDirs, excludes };
}
