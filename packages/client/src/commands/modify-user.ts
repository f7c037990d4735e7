/**
 * `repoman modify-user NAME` (2011: `mu`): changes a user's full name, email or DN, or
 * suspends them (`--suspended`, `--suspended false` to lift it); admins set quotas
 * (`--quota-bytes 50G --quota-images 100`, 0: unlimited). A quota below what the user already
 * uses is accepted; the server's warning is printed on stderr.
 */
import type { UserChanges } from '@repoman/api';
import { defineCommand } from '../cli/command-spec.js';
import { UsageError } from '../cli/cli-errors.js';
import { printJson } from '../cli/output.js';
import { parseBool, parseSize } from '../cli/parse-values.js';
import { printUser } from '../cli/record-views.js';

export interface ModifyUserOptions {
  readonly user: string;
  readonly changes: UserChanges;
  readonly json: boolean;
}

export const modifyUserCommand = defineCommand<ModifyUserOptions>({
  name: 'modify-user',
  aliases: ['mu'],
  summary: 'change a user\'s name, email, DN or quotas, or suspend them',
  examples: ['repoman modify-user bob --email bob@example.org', 'repoman mu carol --suspended', 'repoman modify-user bob --quota-bytes 50G --quota-images 100'],
  configure: (command) => command
    .argument('<NAME>', 'the user')
    .option('--full-name <TEXT>', 'the person\'s name')
    .option('--email <ADDRESS>', 'the person\'s email')
    .option('--dn <DN>', 'a new certificate DN')
    .option('--client-dn <DN>', 'same as --dn (2011 spelling)')
    .option('--suspended [BOOL]', 'suspend (bare: true) or reinstate (false) the user')
    .option('--quota-bytes <SIZE>', 'admins: bytes the user\'s images may hold, with K M G T (0: unlimited)')
    .option('--quota-images <COUNT>', 'admins: how many images the user may own (0: unlimited)')
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => {
    const changes: UserChanges = {};
    if (typeof flags.fullName === 'string') changes.full_name = flags.fullName;
    if (typeof flags.email === 'string') changes.email = flags.email;
    const dn = flags.dn ?? flags.clientDn;
    if (typeof dn === 'string') changes.client_dn = dn;
    if (flags.suspended !== undefined) changes.suspended = parseBool(flags.suspended as string, '--suspended');
    if (typeof flags.quotaBytes === 'string') changes.quota_bytes = parseSize(flags.quotaBytes);
    if (typeof flags.quotaImages === 'string') {
      if (!/^\s*\d+\s*$/.test(flags.quotaImages)) throw new UsageError(`--quota-images "${flags.quotaImages}" is not a count: give a whole number (0: unlimited)`);
      changes.quota_images = Number(flags.quotaImages);
    }
    if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give --full-name, --email, --dn, --suspended, --quota-bytes or --quota-images');
    return { user: String(args[0]), changes, json: flags.json === true };
  },
  async run(options, context) {
    const user = await context.client().modifyUser(options.user, options.changes);
    if (user.warning !== undefined && !options.json) context.note(`warning: ${user.warning}`);
    if (options.json) printJson(context.io, user);
    else printUser(context.io, user);
  },
});
