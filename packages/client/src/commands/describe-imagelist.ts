/**
 * `repoman describe-imagelist LIST`: one HEPiX image list — its fields, the version and dates
 * of its signature, and each image with whether the signed document names it, and why not.
 */
import { defineCommand } from '../cli/command-spec.js';
import { printImageList } from '../cli/image-list-views.js';
import { printJson } from '../cli/output.js';

export interface DescribeImageListOptions {
  readonly list: string;
  readonly json: boolean;
}

export const describeImageListCommand = defineCommand<DescribeImageListOptions>({
  name: 'describe-imagelist',
  summary: 'show an image list, and why any image is left out of its signed document',
  examples: ['repoman describe-imagelist fedcloud', 'repoman describe-imagelist bob/fedcloud --json'],
  configure: (command) => command.argument('<LIST>', 'the list: NAME (yours) or OWNER/NAME').option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => ({ list: String(args[0]), json: flags.json === true }),
  async run(options, context) {
    const list = await context.client().getImageList(options.list);
    if (options.json) printJson(context.io, list);
    else printImageList(context.io, list);
  },
});
