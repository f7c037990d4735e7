/**
 * `repoman-server admin remove --user NAME`: takes the user out of admins (the account stays).
 * Refuses to remove the last admin, so that someone can still manage users and groups over
 * the API; make another admin first. A user that the server makes an admin at every start
 * (its DN in `[admin] dns`, or the development PKI's `admin`) is removed, with a note that
 * the next start makes it an admin again.
 */
import { removeAdmin } from '../services/admin-bootstrap.js';
import { RepomanError } from '../services/repoman-error.js';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, type Command } from './command-context.js';
import { loadConfigOrReport } from './load-config-or-report.js';
import { withMetadata } from './with-metadata.js';

export const adminRemoveCommand: Command = {
  words: ['admin', 'remove'],
  summary: 'remove a user from the administrators (never the last one)',
  usage: 'admin remove --user NAME [--config FILE]',
  options: {
    user: { type: 'string' },
  },
  optionHelp: [['--user NAME', 'the user to take out of admins (the account itself stays)']],
  async run(values, context, configFile) {
    const { user } = values;
    if (typeof user !== 'string') {
      context.stderr.write('repoman-server admin remove: --user NAME is required\n');
      return EXIT_USAGE;
    }
    const config = loadConfigOrReport(context, configFile);
    if (config === null) return EXIT_ERROR;
    try {
      const { removed, dn } = await withMetadata(config, async (metadata) => ({
        removed: await removeAdmin(metadata, user),
        dn: (await metadata.users.findByName(user))?.clientDn,
      }));
      context.stdout.write(removed ? `${user}: removed from admins\n` : `${user}: not an admin\n`);
      const again = dn !== undefined && config.admin.dns.includes(dn)
        ? 'its DN is in [admin] dns'
        : !config.source.tlsConfigured && user === 'admin' ? "it is the development PKI's admin" : null;
      if (removed && again !== null) context.stdout.write(`note: ${again}, so the next start of the server makes it an admin again\n`);
      return EXIT_OK;
    } catch (error) {
      if (!(error instanceof RepomanError)) throw error;
      context.stderr.write(`repoman-server admin remove: ${error.message}\n`);
      return EXIT_ERROR;
    }
  },
};
