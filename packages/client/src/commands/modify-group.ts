/**
 * `repoman modify-group NAME --new-name NEW` (2011: `mg`): renames a group (members and
 * permissions have their own commands: aug/rug, apg/rpg).
 */
import { defineCommand } from '../cli/command-spec.js';
import { UsageError } from '../cli/cli-errors.js';
import { printJson } from '../cli/output.js';
import { printGroup } from '../cli/record-views.js';

export interface ModifyGroupOptions {
  readonly group: string;
  readonly newName: string;
  readonly json: boolean;
}

export const modifyGroupCommand = defineCommand<ModifyGroupOptions>({
  name: 'modify-group',
  aliases: ['mg'],
  summary: 'rename a group',
  examples: ['repoman modify-group atlas --new-name atlas-prod'],
  configure: (command) => command
    .argument('<NAME>', 'the group')
    .option('--new-name <NAME>', 'the group\'s new name')
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => {
    if (typeof flags.newName !== 'string') throw new UsageError('nothing to change: give --new-name (members: add-users-to-group; permissions: add-permissions-to-group)');
    return { group: String(args[0]), newName: flags.newName, json: flags.json === true };
  },
  async run(options, context) {
    const group = await context.client().modifyGroup(options.group, { name: options.newName });
    if (options.json) printJson(context.io, group);
    else printGroup(context.io, group);
  },
});
