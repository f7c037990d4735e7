/**
 * `repoman remove-imagelist LIST`: deletes a HEPiX image list (its images stay), after a
 * yes/no question (`--force` skips it). Subscribers then get 404 for it.
 */
import { defineCommand } from '../cli/command-spec.js';

export interface RemoveImageListOptions {
  readonly list: string;
  readonly force: boolean;
}

export const removeImageListCommand = defineCommand<RemoveImageListOptions>({
  name: 'remove-imagelist',
  summary: 'delete an image list (asks first unless --force)',
  examples: ['repoman remove-imagelist fedcloud --force'],
  configure: (command) => command.argument('<LIST>', 'the list: NAME (yours) or OWNER/NAME').option('-f, --force', 'do not ask'),
  parse: ({ args, flags }) => ({ list: String(args[0]), force: flags.force === true }),
  async run(options, context) {
    await context.confirm(`delete the image list ${options.list}?`, options.force);
    await context.client().deleteImageList(options.list);
    context.note(`deleted the image list ${options.list}`);
  },
});
