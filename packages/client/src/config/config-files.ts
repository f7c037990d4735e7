/**
 * The client's configuration files (SPEC §4), read in order, later files overriding earlier
 * ones key by key: `/etc/repoman/repoman.conf`, then `$REPOMAN_CLIENT_CONFIG`, then
 * `~/.repoman/repoman.conf`. INI, as the 2011 client wrote it (`key = value` or `key: value`;
 * section and key names are case-insensitive). Missing files are skipped; unknown keys are
 * ignored, so that old files keep working.
 *
 *   [Repository]  repository = host   port = 8443   ca_file = PEM bundle   ca_dir = grid CA directory
 *   [User]        proxy_cert = path of the grid proxy
 *   [ThisImage]   snapshot_dir = …   system_excludes = …   user_excludes = …   (save-image)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'ini';

export interface ConfigValues {
  repository?: string;
  port?: string;
  caFile?: string;
  caDir?: string;
  proxyCert?: string;
  snapshotDir?: string;
  systemExcludes?: string;
  userExcludes?: string;
}

export interface LoadedConfig {
  readonly values: ConfigValues;
  /** The files that existed and were read, in order. */
  readonly files: readonly string[];
}

const KEYS: Record<string, Record<string, keyof ConfigValues>> = {
  repository: { repository: 'repository', port: 'port', ca_file: 'caFile', ca_dir: 'caDir' },
  user: { proxy_cert: 'proxyCert' },
  thisimage: { snapshot_dir: 'snapshotDir', system_excludes: 'systemExcludes', user_excludes: 'userExcludes' },
};

export const SYSTEM_CONFIG = '/etc/repoman/repoman.conf';

export function userConfigPath(home: string): string {
  return join(home, '.repoman', 'repoman.conf');
}

export function configFilePaths(env: NodeJS.ProcessEnv, home: string): string[] {
  return [SYSTEM_CONFIG, ...(env.REPOMAN_CLIENT_CONFIG ? [env.REPOMAN_CLIENT_CONFIG] : []), userConfigPath(home)];
}

export function loadConfigFiles(paths: readonly string[]): LoadedConfig {
  const values: ConfigValues = {};
  const files: string[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    files.push(path);
    Object.assign(values, parseConfigText(text));
  }
  return { values, files };
}

export function parseConfigText(text: string): ConfigValues {
  // ConfigParser's `key: value` becomes `key = value` for the ini parser.
  const normalized = text.split(/\r?\n/).map((line) => line.replace(/^(\s*[A-Za-z_][\w.-]*)\s*:\s?/, '$1 = ')).join('\n');
  const values: ConfigValues = {};
  for (const [section, entries] of Object.entries(parse(normalized))) {
    const keys = KEYS[section.toLowerCase()];
    if (!keys || typeof entries !== 'object' || entries === null) continue;
    for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
      const field = keys[key.toLowerCase()];
      if (field && value !== undefined && value !== null && String(value).trim() !== '') values[field] = String(value).trim();
    }
  }
  return values;
}
