/**
 * `repoman describe-group NAME` (2011: `dg`): a group's record — members and permissions.
 */
import { defineCommand } from '../cli/command-spec.js';
import { printJson } from '../cli/output.js';
import { printGroup } from '../cli/record-views.js';

export interface DescribeGroupOptions {
  readonly group: string;
  readonly json: boolean;
}

export const describeGroupCommand = defineCommand<DescribeGroupOptions>({
  name: 'describe-group',
  aliases: ['dg'],
  summary: 'show a group\'s members and permissions',
  examples: ['repoman describe-group atlas', 'repoman dg admins --json'],
  configure: (command) => command.argument('<NAME>', 'the group').option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => ({ group: String(args[0]), json: flags.json === true }),
  async run(options, context) {
    const group = await context.client().getGroup(options.group);
    if (options.json) printJson(context.io, group);
    else printGroup(context.io, group);
  },
});
