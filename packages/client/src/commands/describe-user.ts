/**
 * `repoman describe-user [NAME]` (2011: `du`): a user's record; without NAME, your own (with
 * your effective permissions, as whoami).
 */
import { defineCommand } from '../cli/command-spec.js';
import { printJson } from '../cli/output.js';
import { printUser } from '../cli/record-views.js';

export interface DescribeUserOptions {
  readonly user: string | undefined;
  readonly json: boolean;
}

export const describeUserCommand = defineCommand<DescribeUserOptions>({
  name: 'describe-user',
  aliases: ['du'],
  summary: 'show a user\'s record (yours without NAME)',
  examples: ['repoman describe-user bob', 'repoman du --json'],
  configure: (command) => command.argument('[NAME]', 'the user (default: you)').option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => ({ user: typeof args[0] === 'string' ? args[0] : undefined, json: flags.json === true }),
  async run(options, context) {
    const client = context.client();
    const user = options.user === undefined ? await client.whoami() : await client.getUser(options.user);
    if (options.json) printJson(context.io, user);
    else printUser(context.io, user);
  },
});
