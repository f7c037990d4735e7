/**
 * `repoman modify-group NAME` (2011: `mg`): renames a group (`--new-name`) and sets its VOMS
 * settings: `--voms-fqan` (repeatable) replaces its FQAN patterns, `--no-voms-fqan` removes
 * them all, `--voms-auto-register` / `--no-voms-auto-register` (members and permissions have
 * their own commands: aug/rug, apg/rpg).
 */
import type { GroupChanges } from '@repoman/api';
import { defineCommand } from '../cli/command-spec.js';
import { UsageError } from '../cli/cli-errors.js';
import { printJson } from '../cli/output.js';
import { collect, parseList } from '../cli/parse-values.js';
import { printGroup } from '../cli/record-views.js';

export interface ModifyGroupOptions {
  readonly group: string;
  readonly changes: GroupChanges;
  readonly json: boolean;
}

export const modifyGroupCommand = defineCommand<ModifyGroupOptions>({
  name: 'modify-group',
  aliases: ['mg'],
  summary: 'rename a group, or set the VOMS FQANs that make a VO its members',
  examples: ['repoman modify-group atlas --new-name atlas-prod', 'repoman modify-group atlas --voms-fqan /atlas --voms-fqan /cms/Role=production --voms-auto-register'],
  configure: (command) => command
    .argument('<NAME>', 'the group')
    .option('--new-name <NAME>', 'the group\'s new name')
    .option('--voms-fqan <FQAN>', 'holders of this VOMS FQAN are members (repeatable; replaces the list): /atlas (and below), /atlas/Role=production', collect)
    .option('--no-voms-fqan', 'remove every VOMS FQAN pattern')
    .option('--voms-auto-register', 'an unknown DN with a matching FQAN becomes a user at first login')
    .option('--no-voms-auto-register', 'stop registering unknown DNs')
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => {
    const changes: GroupChanges = {};
    if (typeof flags.newName === 'string') changes.name = flags.newName;
    if (flags.vomsFqan === false) changes.voms_fqans = [];
    else if (flags.vomsFqan !== undefined) changes.voms_fqans = parseList(flags.vomsFqan);
    if (typeof flags.vomsAutoRegister === 'boolean') changes.voms_auto_register = flags.vomsAutoRegister;
    if (Object.keys(changes).length === 0) {
      throw new UsageError('nothing to change: give --new-name, --voms-fqan or --voms-auto-register (members: add-users-to-group; permissions: add-permissions-to-group)');
    }
    return { group: String(args[0]), changes, json: flags.json === true };
  },
  async run(options, context) {
    const group = await context.client().modifyGroup(options.group, options.changes);
    if (options.json) printJson(context.io, group);
    else printGroup(context.io, group);
  },
});
