/**
 * `repoman create-group NAME` (2011: `cg`): makes a group, optionally with members and
 * permissions (`--users`, `--permissions`: repeatable or comma-separated).
 */
import type { NewGroup, Permission } from '@repoman/api';
import { defineCommand } from '../cli/command-spec.js';
import { printJson } from '../cli/output.js';
import { collect, parseList } from '../cli/parse-values.js';
import { printGroup } from '../cli/record-views.js';

export interface CreateGroupOptions {
  readonly group: NewGroup;
  readonly json: boolean;
}

export const createGroupCommand = defineCommand<CreateGroupOptions>({
  name: 'create-group',
  aliases: ['cg'],
  summary: 'create a group, with members and permissions',
  examples: ['repoman create-group atlas --users bob,pam --permissions image_modify'],
  configure: (command) => command
    .argument('<NAME>', 'group name (a-z, 0-9, _ and -)')
    .option('--users <USERS>', 'members (repeatable, or comma-separated)', collect)
    .option('--permissions <PERMISSIONS>', 'permissions granted (repeatable, or comma-separated; see list-permissions)', collect)
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => {
    const group: NewGroup = { name: String(args[0]) };
    const users = parseList(flags.users);
    const permissions = parseList(flags.permissions);
    if (users.length > 0) group.users = users;
    // The server names the unknown ones (PERMISSION_NOT_FOUND, with the list of permissions).
    if (permissions.length > 0) group.permissions = permissions as Permission[];
    return { group, json: flags.json === true };
  },
  async run(options, context) {
    const group = await context.client().createGroup(options.group);
    if (options.json) printJson(context.io, group);
    else printGroup(context.io, group);
  },
});
