/**
 * `repoman list-users` (2011: `lu`): every registered user, as a table or `--json`.
 */
import { defineCommand } from '../cli/command-spec.js';
import { printJson } from '../cli/output.js';
import { printUserTable } from '../cli/record-views.js';

export interface ListUsersOptions {
  readonly long: boolean;
  readonly json: boolean;
}

export const listUsersCommand = defineCommand<ListUsersOptions>({
  name: 'list-users',
  aliases: ['lu'],
  summary: 'list the registered users',
  examples: ['repoman list-users', 'repoman lu --json'],
  configure: (command) => command.option('-l, --long', 'show every field').option('--json', 'print the records as JSON'),
  parse: ({ flags }) => ({ long: flags.long === true, json: flags.json === true }),
  async run(options, context) {
    const users = await context.client().listUsers();
    if (options.json) printJson(context.io, users);
    else printUserTable(context.io, users, options.long);
  },
});
