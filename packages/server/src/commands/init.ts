/**
 * `repoman-server init`: prepares a fresh installation from the configuration: creates the
 * data directory (and the image directory of the fs storage driver), 0700, creates the metadata
 * database (0600) and applies its migrations. Refuses, creating nothing, when a file the
 * configuration names is missing. Safe to run again.
 */
import { mkdir } from 'node:fs/promises';
import { redactDatabaseUrl } from '../metadata/database-url.js';
import { makeDataDir, PRIVATE_DIR_MODE } from './data-dir.js';
import { EXIT_ERROR, EXIT_OK, type Command } from './command-context.js';
import { loadConfigOrReport } from './load-config-or-report.js';
import { withMetadata } from './with-metadata.js';

export const initCommand: Command = {
  words: ['init'],
  summary: 'create the data directory and the database, and migrate it',
  usage: 'init [--config FILE]',
  options: {},
  optionHelp: [],
  async run(_values, context, configFile) {
    const config = loadConfigOrReport(context, configFile, { checkPaths: true });
    if (config === null) return EXIT_ERROR;
    await makeDataDir(config.server.data_dir);
    if (config.storage.driver === 'fs') await mkdir(config.storage.path, { recursive: true, mode: PRIVATE_DIR_MODE });
    const { applied } = await withMetadata(config, async (_metadata, migration) => migration);
    context.stdout.write(`data directory: ${config.server.data_dir}\n`);
    context.stdout.write(`database: ${redactDatabaseUrl(config.database.url)} (${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`})\n`);
    if (config.storage.driver === 'fs') context.stdout.write(`images: ${config.storage.path}\n`);
    return EXIT_OK;
  },
};
