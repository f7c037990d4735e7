/**
 * `repoman-server migrate`: applies pending metadata migrations (the server also does this at
 * start) and says which ones ran.
 */
import { EXIT_ERROR, EXIT_OK, type Command } from './command-context.js';
import { loadConfigOrReport } from './load-config-or-report.js';
import { withMetadata } from './with-metadata.js';

export const migrateCommand: Command = {
  words: ['migrate'],
  summary: 'bring the metadata database schema up to date',
  usage: 'migrate [--config FILE]',
  options: {},
  optionHelp: [],
  async run(_values, context, configFile) {
    const config = loadConfigOrReport(context, configFile);
    if (config === null) return EXIT_ERROR;
    const { applied } = await withMetadata(config, async (_metadata, migration) => migration);
    context.stdout.write(
      applied.length === 0 ? 'database schema is up to date\n' : `applied migrations: ${applied.join(', ')}\n`,
    );
    return EXIT_OK;
  },
};
