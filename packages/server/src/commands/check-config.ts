/**
 * `repoman-server check-config`: loads the configuration (file, environment, defaults) exactly
 * as the server would, prints every problem and exits 1, or prints "ok" and exits 0.
 */
import { EXIT_ERROR, EXIT_OK, type Command } from './command-context.js';
import { loadConfigOrReport } from './load-config-or-report.js';

export const checkConfigCommand: Command = {
  words: ['check-config'],
  summary: 'check the configuration and report every problem',
  usage: 'check-config [--config FILE]',
  options: {},
  async run(_values, context, configFile) {
    const config = loadConfigOrReport(context, configFile);
    if (config === null) return EXIT_ERROR;
    context.stdout.write('ok\n');
    return EXIT_OK;
  },
};
