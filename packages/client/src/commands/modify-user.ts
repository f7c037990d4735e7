/**
 * `repoman modify-user NAME` (2011: `mu`): changes a user's full name, email or DN, or
 * suspends them (`--suspended`, `--suspended false` to lift it).
 */
import type { UserChanges } from '@repoman/api';
import { defineCommand } from '../cli/command-spec.js';
import { UsageError } from '../cli/cli-errors.js';
import { printJson } from '../cli/output.js';
import { parseBool } from '../cli/parse-values.js';
import { printUser } from '../cli/record-views.js';

export interface ModifyUserOptions {
  readonly user: string;
  readonly changes: UserChanges;
  readonly json: boolean;
}

export const modifyUserCommand = defineCommand<ModifyUserOptions>({
  name: 'modify-user',
  aliases: ['mu'],
  summary: 'change a user\'s name, email or DN, or suspend them',
  examples: ['repoman modify-user bob --email bob@example.org', 'repoman mu carol --suspended'],
  configure: (command) => command
    .argument('<NAME>', 'the user')
    .option('--full-name <TEXT>', 'the person\'s name')
    .option('--email <ADDRESS>', 'the person\'s email')
    .option('--dn <DN>', 'a new certificate DN')
    .option('--client-dn <DN>', 'same as --dn (2011 spelling)')
    .option('--suspended [BOOL]', 'suspend (bare: true) or reinstate (false) the user')
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => {
    const changes: UserChanges = {};
    if (typeof flags.fullName === 'string') changes.full_name = flags.fullName;
    if (typeof flags.email === 'string') changes.email = flags.email;
    const dn = flags.dn ?? flags.clientDn;
    if (typeof dn === 'string') changes.client_dn = dn;
    if (flags.suspended !== undefined) changes.suspended = parseBool(flags.suspended as string, '--suspended');
    if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give --full-name, --email, --dn or --suspended');
    return { user: String(args[0]), changes, json: flags.json === true };
  },
  async run(options, context) {
    const user = await context.client().modifyUser(options.user, options.changes);
    if (options.json) printJson(context.io, user);
    else printUser(context.io, user);
  },
});
