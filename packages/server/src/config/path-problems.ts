/**
 * The file-system half of checking a configuration, for `check-config`, `init` and `serve`
 * before they create anything: the TLS files and CA directory must exist and be readable by
 * this user (and the vomsdir, unless it is the default and absent), and the directories the server creates (data_dir, the fs image directory, the
 * SQLite file's directory) must exist or have an existing parent (or be right under data_dir,
 * which is created first). A typo in a path is reported with the other problems, instead of
 * a data directory made in the wrong place and a server that dies after it.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_GRID_CA_DIR, DEFAULT_VOMSDIR } from './config-schema.js';
import type { ConfigSections } from './config-types.js';

/** Every problem with the paths of a resolved configuration, one line each naming the key. */
export function pathProblems(config: ConfigSections, tlsConfigured: boolean): string[] {
  const problems: string[] = [];
  const report = (problem: string | null) => problem !== null && problems.push(problem);
  const { tls, server, storage } = config;
  if (tlsConfigured) {
    if (tls.cert !== null) report(readable('tls.cert', tls.cert, 'file'));
    if (tls.key !== null) report(readable('tls.key', tls.key, 'file'));
    if (tls.ca_dir === null && tls.ca_file === null) {
      report(readable('tls.ca_dir', DEFAULT_GRID_CA_DIR, 'directory', ' (the default when tls.cert is set)'));
    }
  }
  if (tls.ca_dir !== null) report(readable('tls.ca_dir', tls.ca_dir, 'directory'));
  if (tls.ca_file !== null) report(readable('tls.ca_file', tls.ca_file, 'file'));
  // A missing default vomsdir is a site without VOMS; one that is set, or there but unreadable, is a problem.
  const { vomsdir } = config.voms;
  if (vomsdir !== DEFAULT_VOMSDIR || statOf(vomsdir) !== 'does not exist') report(readable('voms.vomsdir', vomsdir, 'directory'));
  report(creatable('server.data_dir', server.data_dir, null));
  if (storage.driver === 'fs') report(creatable('storage.path', storage.path, server.data_dir));
  const sqliteFile = /^sqlite:(?!:memory:$)(.+)$/.exec(config.database.url)?.[1];
  if (sqliteFile !== undefined) report(creatable('database.url', dirname(sqliteFile), server.data_dir));
  return problems;
}

function statOf(path: string): Stats | string {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be examined (${String(code)})`;
  }
}

function allowed(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

function readable(key: string, path: string, kind: 'file' | 'directory', note = ''): string | null {
  const stats = statOf(path);
  if (typeof stats === 'string') return `${key}: ${path}${note} ${stats}`;
  if (kind === 'file' ? !stats.isFile() : !stats.isDirectory()) return `${key}: ${path}${note} is not a ${kind}`;
  const mode = kind === 'file' ? constants.R_OK : constants.R_OK | constants.X_OK;
  return allowed(path, mode) ? null : `${key}: ${path}${note} is not readable by this user`;
}

/** A directory the server makes: it exists (writable), or its parent does (or is `dataDir`, made first). */
function creatable(key: string, dir: string, dataDir: string | null): string | null {
  if (dir === dataDir) return null; // checked as server.data_dir
  const stats = statOf(dir);
  if (typeof stats !== 'string') {
    if (!stats.isDirectory()) return `${key}: ${dir} is not a directory`;
    return allowed(dir, constants.W_OK | constants.X_OK) ? null : `${key}: ${dir} is not writable by this user`;
  }
  const parent = dirname(dir);
  if (parent === dataDir) return null;
  const parentStats = statOf(parent);
  if (typeof parentStats === 'string' || !parentStats.isDirectory()) return `${key}: ${dir} cannot be created: ${parent} does not exist`;
  return allowed(parent, constants.W_OK | constants.X_OK) ? null : `${key}: ${dir} cannot be created: ${parent} is not writable by this user`;
}
