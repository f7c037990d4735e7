/**
 * `repoman remove-group NAME` (2011: `rg`): deletes a group (its members stay users), after a
 * yes/no question (`--force` skips it; without a terminal, --force is required).
 */
import { defineCommand } from '../cli/command-spec.js';

export interface RemoveGroupOptions {
  readonly group: string;
  readonly force: boolean;
}

export const removeGroupCommand = defineCommand<RemoveGroupOptions>({
  name: 'remove-group',
  aliases: ['rg'],
  summary: 'delete a group (asks first unless --force)',
  examples: ['repoman remove-group atlas --force'],
  configure: (command) => command.argument('<NAME>', 'the group').option('-f, --force', 'do not ask'),
  parse: ({ args, flags }) => ({ group: String(args[0]), force: flags.force === true }),
  async run(options, context) {
    await context.confirm(`delete the group ${options.group}?`, options.force);
    await context.client().deleteGroup(options.group);
    context.note(`deleted the group ${options.group}`);
  },
});
