/**
 * Reads `REPOMAN_<SECTION>_<KEY>` environment variables (e.g. `REPOMAN_TLS_CA_DIR`) as overrides
 * of configuration keys. Only variables whose prefix names a known section are considered, so
 * unrelated variables such as `REPOMAN_CONFIG` or the client's `REPOMAN_SERVER` are left alone;
 * an unknown key under a known section (`REPOMAN_SERVER_PORTT`) is reported as a problem.
 */
import { configSchema } from './config-schema.js';

export interface EnvOverride {
  readonly section: string;
  readonly key: string;
  readonly variable: string;
  readonly text: string;
}

export interface EnvOverrides {
  readonly overrides: readonly EnvOverride[];
  readonly problems: readonly string[];
}

export function readEnvOverrides(env: Readonly<Record<string, string | undefined>>): EnvOverrides {
  const overrides: EnvOverride[] = [];
  const problems: string[] = [];
  const sections = Object.keys(configSchema) as (keyof typeof configSchema)[];
  for (const variable of Object.keys(env).sort()) {
    const text = env[variable];
    if (text === undefined) continue;
    for (const section of sections) {
      const prefix = `REPOMAN_${section.toUpperCase()}_`;
      if (!variable.startsWith(prefix)) continue;
      const key = variable.slice(prefix.length).toLowerCase();
      if (Object.hasOwn(configSchema[section], key)) {
        overrides.push({ section, key, variable, text });
      } else {
        problems.push(`${variable}: unknown key "${key}" in section [${section}]`);
      }
    }
  }
  return { overrides, problems };
}
