/**
 * `repoman whoami`: the user the server sees for your grid proxy — name, DN, groups and
 * effective permissions. The quickest check that the credential and the server work.
 */
import { defineCommand } from '../cli/command-spec.js';
import { printJson } from '../cli/output.js';
import { printUser } from '../cli/record-views.js';

export interface WhoamiOptions {
  readonly json: boolean;
}

export const whoamiCommand = defineCommand<WhoamiOptions>({
  name: 'whoami',
  summary: 'show the user the repository sees for your grid proxy',
  examples: ['repoman whoami', 'repoman whoami --json'],
  configure: (command) => command.option('--json', 'print the record as JSON'),
  parse: ({ flags }) => ({ json: flags.json === true }),
  async run(options, context) {
    const me = await context.client().whoami();
    if (options.json) printJson(context.io, me);
    else printUser(context.io, me);
  },
});
