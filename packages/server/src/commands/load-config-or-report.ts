/**
 * Loads the configuration for a command and, when it is invalid, prints every problem on
 * standard error so the command can exit 1 instead of throwing a stack trace at the operator.
 * Commands that serve or create files (`serve`, `init`, `check-config`) also have the paths
 * checked; the database-only ones (`migrate`, `admin …`) run where the TLS files may not be.
 */
import { ConfigError } from '../config/config-error.js';
import type { RepomanConfig } from '../config/config-types.js';
import { loadConfig } from '../config/load-config.js';
import type { CommandContext } from './command-context.js';

export function loadConfigOrReport(
  context: CommandContext,
  file: string | undefined,
  options: { readonly checkPaths?: boolean } = {},
): RepomanConfig | null {
  try {
    return loadConfig({ file, env: context.env, cwd: context.cwd, checkPaths: options.checkPaths === true });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    context.stderr.write(`repoman-server: ${error.message}\n`);
    return null;
  }
}
