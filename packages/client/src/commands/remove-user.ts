/**
 * `repoman remove-user NAME` (2011: `ru`): deletes a user and every image of theirs, after a
 * yes/no question (`--force` skips it; without a terminal, --force is required).
 */
import { defineCommand } from '../cli/command-spec.js';

export interface RemoveUserOptions {
  readonly user: string;
  readonly force: boolean;
}

export const removeUserCommand = defineCommand<RemoveUserOptions>({
  name: 'remove-user',
  aliases: ['ru'],
  summary: 'delete a user and all their images (asks first unless --force)',
  examples: ['repoman remove-user carol', 'repoman ru carol --force'],
  configure: (command) => command.argument('<NAME>', 'the user').option('-f, --force', 'do not ask'),
  parse: ({ args, flags }) => ({ user: String(args[0]), force: flags.force === true }),
  async run(options, context) {
    await context.confirm(`delete the user ${options.user} and all their images?`, options.force);
    await context.client().deleteUser(options.user);
    context.note(`deleted the user ${options.user}`);
  },
});
