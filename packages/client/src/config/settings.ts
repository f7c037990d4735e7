/**
 * Where the client's settings come from, decided in one place (SPEC §4). The server:
 * `--server`, then `$REPOMAN_SERVER`, then the config's `[Repository] repository` + `port`.
 * The credential: `--proxy`, then `[User] proxy_cert`, then `$X509_USER_PROXY`, then
 * `/tmp/x509up_u<uid>`. The trust anchors for the server certificate: `--ca-file`/`--ca-dir`,
 * then `[Repository] ca_file`/`ca_dir`, then `$X509_CERT_DIR`, then
 * `/etc/grid-security/certificates` when it exists, else Node's built-in roots. `--insecure`
 * (never the default) skips verification. Each value says where it came from, for `about`.
 */
import { existsSync } from 'node:fs';
import { configFilePaths, loadConfigFiles, type ConfigValues } from './config-files.js';
import { DEFAULT_PORT, parseServer } from './server-url.js';

export const GRID_CA_DIR = '/etc/grid-security/certificates';

/** The global command-line flags that bear on settings. */
export interface SettingFlags {
  server?: string | undefined;
  proxy?: string | undefined;
  caFile?: string | undefined;
  caDir?: string | undefined;
  insecure?: boolean | undefined;
}

export interface SettingsContext {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly uid: number;
}

export interface Sourced<T> {
  readonly value: T;
  /** `--server`, `$REPOMAN_SERVER`, `config`, `default`, … */
  readonly source: string;
}

export interface Settings {
  /** Undefined when no server is configured anywhere. */
  readonly server: Sourced<URL> | undefined;
  readonly proxy: Sourced<string>;
  readonly caFile: Sourced<string> | undefined;
  readonly caDir: Sourced<string> | undefined;
  readonly insecure: boolean;
  readonly configFiles: readonly string[];
  readonly config: ConfigValues;
}

export function resolveSettings(flags: SettingFlags, context: SettingsContext): Settings {
  const { env } = context;
  const loaded = loadConfigFiles(configFilePaths(env, context.home));
  const config = loaded.values;

  let server: Sourced<URL> | undefined;
  if (flags.server) server = { value: parseServer(flags.server), source: '--server' };
  else if (env.REPOMAN_SERVER) server = { value: parseServer(env.REPOMAN_SERVER), source: '$REPOMAN_SERVER' };
  else if (config.repository) server = { value: parseServer(config.repository, config.port ?? DEFAULT_PORT), source: 'config' };

  const proxy: Sourced<string> = flags.proxy ? { value: flags.proxy, source: '--proxy' }
    : config.proxyCert ? { value: config.proxyCert, source: 'config' }
      : env.X509_USER_PROXY ? { value: env.X509_USER_PROXY, source: '$X509_USER_PROXY' }
        : { value: `/tmp/x509up_u${context.uid}`, source: 'default' };

  let caFile: Sourced<string> | undefined;
  let caDir: Sourced<string> | undefined;
  if (flags.caFile || flags.caDir) {
    if (flags.caFile) caFile = { value: flags.caFile, source: '--ca-file' };
    if (flags.caDir) caDir = { value: flags.caDir, source: '--ca-dir' };
  } else if (config.caFile || config.caDir) {
    if (config.caFile) caFile = { value: config.caFile, source: 'config' };
    if (config.caDir) caDir = { value: config.caDir, source: 'config' };
  } else if (env.X509_CERT_DIR) {
    caDir = { value: env.X509_CERT_DIR, source: '$X509_CERT_DIR' };
  } else if (existsSync(GRID_CA_DIR)) {
    caDir = { value: GRID_CA_DIR, source: 'default' };
  }

  return { server, proxy, caFile, caDir, insecure: flags.insecure === true, configFiles: loaded.files, config };
}
