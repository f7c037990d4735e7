/**
 * `repoman list-permissions`: every permission name a group can be granted.
 */
import { defineCommand } from '../cli/command-spec.js';
import { println } from '../cli/io-streams.js';
import { printJson } from '../cli/output.js';

export interface ListPermissionsOptions {
  readonly json: boolean;
}

export const listPermissionsCommand = defineCommand<ListPermissionsOptions>({
  name: 'list-permissions',
  summary: 'list the permission names groups can be granted',
  examples: ['repoman list-permissions'],
  configure: (command) => command.option('--json', 'print as JSON'),
  parse: ({ flags }) => ({ json: flags.json === true }),
  async run(options, context) {
    const permissions = await context.client().listPermissions();
    if (options.json) printJson(context.io, permissions);
    else for (const permission of permissions) println(context.io, permission);
  },
});
