/**
 * Loads the repoman-server configuration: the TOML file named by `--config` or
 * `$REPOMAN_CONFIG` (none: the embedded default), then `REPOMAN_<SECTION>_<KEY>` overrides, then
 * the schema's defaults. Unknown sections and keys, mistyped values and inconsistent
 * combinations are all collected and thrown together as one ConfigError. Relative paths
 * (data_dir, tls files, storage.path, the sqlite file) resolve against the working directory.
 * With `checkPaths`, missing files and uncreatable directories join the problems. The result
 * is deeply frozen.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from './config-error.js';
import { configSchema, derivedDefaults, DERIVED, DEV_PKI_HOST, type KeySchema } from './config-schema.js';
import type { ConfigSections, RepomanConfig } from './config-types.js';
import { readEnvOverrides } from './env-overrides.js';
import { pathProblems } from './path-problems.js';

export interface LoadConfigOptions {
  /** `--config FILE`; takes precedence over `$REPOMAN_CONFIG`. */
  readonly file?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Also check that the files named exist and the directories can be made (see path-problems.ts). */
  readonly checkPaths?: boolean;
}

type RawConfig = Record<string, Record<string, unknown>>;

export function loadConfig(options: LoadConfigOptions): RepomanConfig {
  const problems: string[] = [];
  const fileOption = options.file ?? (options.env.REPOMAN_CONFIG || undefined);
  const file = fileOption === undefined ? null : resolve(options.cwd, fileOption);
  const raw: RawConfig = {};
  for (const section of Object.keys(configSchema)) raw[section] = {};

  if (file !== null) readFileInto(file, raw, problems);

  const env = readEnvOverrides(options.env);
  problems.push(...env.problems);
  for (const { section, key, variable, text } of env.overrides) {
    const schema = keySchema(section, key);
    const parsed = schema.kind.fromEnv(text);
    if (parsed.ok) raw[section]![key] = parsed.value;
    else problems.push(`${section}.${key} (from ${variable}): expected ${schema.kind.expected}, got ${JSON.stringify(text)}`);
  }

  const tlsConfigured = raw.tls!.cert != null || raw.tls!.key != null;
  // The development PKI's CA key sits in data_dir: such a server answers on loopback only unless told otherwise.
  if (!Object.hasOwn(raw.server!, 'host') && !tlsConfigured) raw.server!.host = DEV_PKI_HOST;
  for (const [section, keys] of Object.entries(configSchema)) {
    for (const [key, schema] of Object.entries(keys as Record<string, KeySchema<unknown>>)) {
      if (!Object.hasOwn(raw[section]!, key)) raw[section]![key] = schema.default;
    }
  }
  const config = resolveConfig(raw as unknown as ConfigSections, options.cwd, problems);
  if (options.checkPaths === true) problems.push(...pathProblems(config, tlsConfigured));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({ ...config, source: { file, tlsConfigured } });
}

function keySchema(section: string, key: string): KeySchema<unknown> {
  return (configSchema as unknown as Record<string, Record<string, KeySchema<unknown>>>)[section]![key]!;
}

function readFileInto(file: string, raw: RawConfig, problems: string[]): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(`${file}: cannot read the configuration file (${code === 'ENOENT' ? 'no such file' : String(code)})`);
    return;
  }
  let document: Record<string, unknown>;
  try {
    document = parseToml(text);
  } catch (error) {
    // FILE:LINE:COLUMN, as compilers print it, so that editors jump to the spot.
    const { line, column, message } = error as { line?: number; column?: number; message: string };
    const where = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
    problems.push(`${where}: not valid TOML: ${(message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '')}`);
    return;
  }
  for (const [section, table] of Object.entries(document)) {
    if (!Object.hasOwn(configSchema, section)) {
      problems.push(`[${section}]: unknown section (known: ${Object.keys(configSchema).join(', ')})`);
      continue;
    }
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      problems.push(`${section}: expected a [${section}] table`);
      continue;
    }
    for (const [key, value] of Object.entries(table)) {
      if (!Object.hasOwn((configSchema as unknown as RawConfig)[section]!, key)) {
        problems.push(`${section}.${key}: unknown key`);
        continue;
      }
      const schema = keySchema(section, key);
      const parsed = schema.kind.fromToml(value);
      if (parsed.ok) raw[section]![key] = parsed.value;
      else problems.push(`${section}.${key}: expected ${schema.kind.expected}, got ${show(value)}`);
    }
  }
}

/** Derives the data_dir-based defaults, makes paths absolute and checks combinations of keys. */
function resolveConfig(raw: ConfigSections, cwd: string, problems: string[]): ConfigSections {
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(cwd, path));
  const optionalAbsolute = (path: string | null): string | null => (path === null ? null : absolute(path));
  const dataDir = absolute(raw.server.data_dir === '' ? '.' : raw.server.data_dir);
  const derived = derivedDefaults(dataDir);

  const { tls, storage } = raw;
  if ((tls.cert === null) !== (tls.key === null)) {
    problems.push(`tls.${tls.cert === null ? 'cert' : 'key'}: required when tls.${tls.cert === null ? 'key' : 'cert'} is set`);
  }
  if (storage.driver === 's3' && storage.bucket === '') {
    problems.push('storage.bucket: required when storage.driver is "s3"');
  }
  const publicUrl = raw.server.public_url;
  if (publicUrl !== '' && !/^https?:\/\/[^/\s]+/.test(publicUrl)) {
    problems.push(`server.public_url: expected an http:// or https:// URL, got ${JSON.stringify(publicUrl)}`);
  }
  raw.admin.dns.forEach((dn, index) => {
    if (!dn.startsWith('/')) problems.push(`admin.dns[${index}]: expected a DN in slash form (/C=…/CN=…), got ${JSON.stringify(dn)}`);
  });

  return {
    server: { ...raw.server, data_dir: dataDir, public_url: publicUrl.replace(/\/+$/, '') },
    tls: {
      ...tls,
      cert: optionalAbsolute(tls.cert),
      key: optionalAbsolute(tls.key),
      ca_dir: optionalAbsolute(tls.ca_dir),
      ca_file: optionalAbsolute(tls.ca_file),
    },
    database: { url: resolveDatabaseUrl(raw.database.url === DERIVED ? derived.databaseUrl : raw.database.url, absolute, problems) },
    storage: { ...storage, path: absolute(storage.path === DERIVED ? derived.storagePath : storage.path) },
    limits: { ...raw.limits },
    images: { ...raw.images },
    quotas: { ...raw.quotas },
    imagelists: { ...raw.imagelists },
    admin: { dns: [...raw.admin.dns] },
    voms: { ...raw.voms, vomsdir: absolute(raw.voms.vomsdir) },
  };
}

function resolveDatabaseUrl(url: string, absolute: (path: string) => string, problems: string[]): string {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === ':memory:') return url;
    if (path === '') {
      problems.push('database.url: sqlite: needs a file path (sqlite:./var/repoman.db)');
      return url;
    }
    return `sqlite:${absolute(path)}`;
  }
  if (/^postgres(ql)?:\/\//.test(url)) return url;
  problems.push(`database.url: expected sqlite:PATH or postgres://…, got ${JSON.stringify(url)}`);
  return url;
}

function show(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || Array.isArray(value)) {
    return JSON.stringify(value);
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date) && value.constructor === Object) return 'a table';
  return String(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
