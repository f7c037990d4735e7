/**
 * `repoman-server admin add --user NAME --dn DN [--replace-dn]`: registers the user and makes
 * it a member of admins, working on the database directly — the way to create the first
 * administrator, or to regain access. Idempotent. A user registered with another DN is
 * refused unless `--replace-dn` is given: replacing it locks out whoever holds the old one.
 */
import { RepomanError } from '../services/repoman-error.js';
import { DnMismatch, ensureAdmin } from '../services/admin-bootstrap.js';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, type Command } from './command-context.js';
import { loadConfigOrReport } from './load-config-or-report.js';
import { withMetadata } from './with-metadata.js';

export const adminAddCommand: Command = {
  words: ['admin', 'add'],
  summary: 'register a user (by its certificate DN) as an administrator',
  usage: 'admin add --user NAME --dn DN [--replace-dn] [--config FILE]',
  options: {
    user: { type: 'string' },
    dn: { type: 'string' },
    'replace-dn': { type: 'boolean' },
  },
  optionHelp: [
    ['--user NAME', 'the user name (registered when new)'],
    ['--dn DN', "the certificate's subject DN in slash form: /C=…/O=…/CN=…"],
    ['--replace-dn', 'when NAME is registered with another DN, replace it (its holder loses access)'],
  ],
  async run(values, context, configFile) {
    const { user, dn } = values;
    if (typeof user !== 'string' || typeof dn !== 'string') {
      context.stderr.write('repoman-server admin add: --user NAME and --dn DN are required\n');
      return EXIT_USAGE;
    }
    const config = loadConfigOrReport(context, configFile);
    if (config === null) return EXIT_ERROR;
    try {
      const replaceDn = values['replace-dn'] === true;
      const result = await withMetadata(config, (metadata) => ensureAdmin(metadata, user, dn, { replaceDn }));
      const what = result.created
        ? 'registered and added to admins'
        : [result.dnChanged && 'DN replaced', result.addedToAdmins && 'added to admins'].filter(Boolean).join(', ') || 'already an admin';
      context.stdout.write(`${result.user.name} (${result.user.clientDn}): ${what}\n`);
      if (result.user.suspended) context.stdout.write(`note: ${result.user.name} is suspended; an admin can lift it with modify-user\n`);
      return EXIT_OK;
    } catch (error) {
      if (!(error instanceof RepomanError)) throw error;
      const hint = error instanceof DnMismatch ? `; nothing changed. To replace it with ${dn}, run again with --replace-dn` : '';
      context.stderr.write(`repoman-server admin add: ${error.message}${hint}\n`);
      return EXIT_ERROR;
    }
  },
};
