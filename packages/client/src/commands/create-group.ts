/**
 * `repoman create-group NAME` (2011: `cg`): makes a group, optionally with members and
 * permissions (`--users`, `--permissions`: repeatable or comma-separated), and the VOMS FQAN
 * patterns that make a VO's members its members (`--voms-fqan`, repeatable;
 * `--voms-auto-register` lets them in without an account).
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
  examples: ['repoman create-group atlas --users bob,pam --permissions image_modify', 'repoman create-group atlas --voms-fqan /atlas --voms-auto-register'],
  configure: (command) => command
    .argument('<NAME>', 'group name (a-z, 0-9, _ and -)')
    .option('--users <USERS>', 'members (repeatable, or comma-separated)', collect)
    .option('--permissions <PERMISSIONS>', 'permissions granted (repeatable, or comma-separated; see list-permissions)', collect)
    .option('--voms-fqan <FQAN>', 'holders of this VOMS FQAN are members (repeatable): /atlas (and below), /atlas/Role=production', collect)
    .option('--voms-auto-register', 'an unknown DN with a matching FQAN becomes a user at first login')
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => {
    const group: NewGroup = { name: String(args[0]) };
    const fqans = parseList(flags.vomsFqan);
    if (fqans.length > 0) group.voms_fqans = fqans;
    if (flags.vomsAutoRegister === true) group.voms_auto_register = true;
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
