/**
 * `repoman create-user NAME --dn DN` (2011: `cu`): registers a user by their certificate's
 * DN (OpenSSL slash form, as `grid-proxy-info -identity` prints it), with optional full name,
 * email and groups. Needs the user_create permission.
 */
import type { NewUser } from '@repoman/api';
import { defineCommand } from '../cli/command-spec.js';
import { UsageError } from '../cli/cli-errors.js';
import { printJson } from '../cli/output.js';
import { collect, parseList } from '../cli/parse-values.js';
import { printUser } from '../cli/record-views.js';

export interface CreateUserOptions {
  readonly user: NewUser;
  readonly json: boolean;
}

export const createUserCommand = defineCommand<CreateUserOptions>({
  name: 'create-user',
  aliases: ['cu'],
  summary: 'register a user by their certificate DN',
  examples: ['repoman create-user bob --dn "/C=CA/O=Grid/OU=uvic.ca/CN=Bob Smith" --full-name "Bob Smith" --email bob@uvic.ca'],
  configure: (command) => command
    .argument('<NAME>', 'user name (a-z, 0-9, _ and -)')
    .argument('[DN]', 'the certificate DN (or --dn)')
    .option('--dn <DN>', 'the certificate DN, e.g. "/C=CA/O=Grid/CN=Bob Smith"')
    .option('--client-dn <DN>', 'same as --dn (2011 spelling)')
    .option('--full-name <TEXT>', 'the person\'s name')
    .option('--email <ADDRESS>', 'the person\'s email')
    .option('--group <GROUP>', 'also make them a member of this group (repeatable, or comma-separated)', collect)
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => {
    const dns = [args[1], flags.dn, flags.clientDn].filter((value): value is string => typeof value === 'string');
    if (dns.length === 0) throw new UsageError('create-user needs the user\'s certificate DN: --dn "/C=…/CN=…"');
    if (new Set(dns).size > 1) throw new UsageError('two different DNs given: give one');
    const user: NewUser = { user_name: String(args[0]), client_dn: dns[0] ?? '' };
    if (typeof flags.fullName === 'string') user.full_name = flags.fullName;
    if (typeof flags.email === 'string') user.email = flags.email;
    const groups = parseList(flags.group);
    if (groups.length > 0) user.groups = groups;
    return { user, json: flags.json === true };
  },
  async run(options, context) {
    const user = await context.client().createUser(options.user);
    if (options.json) printJson(context.io, user);
    else printUser(context.io, user);
  },
});
