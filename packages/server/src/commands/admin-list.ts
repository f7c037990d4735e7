/**
 * `repoman-server admin list`: the members of admins, one per line: name, DN, and whether the
 * account is suspended. Reads the database directly, like the other admin commands.
 */
import { listAdmins } from '../services/admin-bootstrap.js';
import { EXIT_ERROR, EXIT_OK, type Command } from './command-context.js';
import { loadConfigOrReport } from './load-config-or-report.js';
import { withMetadata } from './with-metadata.js';

export const adminListCommand: Command = {
  words: ['admin', 'list'],
  summary: 'list the administrators with their DNs',
  usage: 'admin list [--config FILE]',
  options: {},
  optionHelp: [],
  async run(_values, context, configFile) {
    const config = loadConfigOrReport(context, configFile);
    if (config === null) return EXIT_ERROR;
    const admins = await withMetadata(config, (metadata) => listAdmins(metadata));
    if (admins.length === 0) context.stderr.write('no admins: add one with repoman-server admin add --user NAME --dn DN\n');
    const width = Math.max(0, ...admins.map((user) => user.name.length));
    for (const user of admins) {
      context.stdout.write(`${user.name.padEnd(width)}  ${user.clientDn}${user.suspended ? '  (suspended)' : ''}\n`);
    }
    return EXIT_OK;
  },
};
