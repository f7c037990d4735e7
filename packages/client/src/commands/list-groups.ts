/**
 * `repoman list-groups` (2011: `lg`): every group with its members and permissions, as a
 * table or `--json`.
 */
import { defineCommand } from '../cli/command-spec.js';
import { printJson } from '../cli/output.js';
import { printGroupTable } from '../cli/record-views.js';

export interface ListGroupsOptions {
  readonly json: boolean;
}

export const listGroupsCommand = defineCommand<ListGroupsOptions>({
  name: 'list-groups',
  aliases: ['lg'],
  summary: 'list the groups, their members and permissions',
  examples: ['repoman list-groups', 'repoman lg --json'],
  configure: (command) => command.option('--json', 'print the records as JSON'),
  parse: ({ flags }) => ({ json: flags.json === true }),
  async run(options, context) {
    const groups = await context.client().listGroups();
    if (options.json) printJson(context.io, groups);
    else printGroupTable(context.io, groups);
  },
});
