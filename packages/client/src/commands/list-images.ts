/**
 * `repoman list-images` (2011: `li`): by default your own images; `--all` every image you
 * can see (own, shared with you, public), `--shared` those shared with you, `--owner U` a
 * user's, `--group G` those shared with group G, `--search TEXT` a name/description match.
 * A table for people (`--long` for every field), `--json` for scripts.
 */
import type { ImageFilter } from '@repoman/api';
import { defineCommand } from '../cli/command-spec.js';
import { UsageError } from '../cli/cli-errors.js';
import { printJson } from '../cli/output.js';
import { printImageTable } from '../cli/record-views.js';

export interface ListImagesOptions {
  readonly all: boolean;
  readonly shared: boolean;
  readonly owner: string | undefined;
  readonly group: string | undefined;
  readonly search: string | undefined;
  readonly long: boolean;
  readonly json: boolean;
}

export const listImagesCommand = defineCommand<ListImagesOptions>({
  name: 'list-images',
  aliases: ['li'],
  summary: 'list images: yours, or all you can see, shared with you, or of an owner',
  examples: ['repoman list-images', 'repoman li --all --long', 'repoman list-images --owner bob --json'],
  configure: (command) => command
    .option('-a, --all', 'every image you can see: yours, shared with you, and public ones')
    .option('--shared', 'images shared with you')
    .option('--owner <USER>', 'images of this user (that you can see)')
    .option('--group <GROUP>', 'images shared with this group')
    .option('--search <TEXT>', 'only images whose name or description contains TEXT')
    .option('-l, --long', 'show every field')
    .option('--json', 'print the records as JSON'),
  parse: ({ flags }) => {
    const options: ListImagesOptions = {
      all: flags.all === true,
      shared: flags.shared === true,
      owner: flags.owner as string | undefined,
      group: flags.group as string | undefined,
      search: flags.search as string | undefined,
      long: flags.long === true,
      json: flags.json === true,
    };
    if (options.all && (options.owner || options.shared)) throw new UsageError('--all lists everything you can see: leave out --owner and --shared, or --all');
    return options;
  },
  async run(options, context) {
    const client = context.client();
    const filter: ImageFilter = {};
    if (options.owner) filter.owner = options.owner;
    if (options.shared) filter.shared = true;
    if (options.group) filter.group = options.group;
    if (options.search) filter.q = options.search;
    if (!options.all && !options.owner && !options.shared && !options.group) filter.owner = (await client.whoami()).user_name;
    const images = await client.listImages(filter);
    if (options.json) printJson(context.io, images);
    else printImageTable(context.io, images, options.long);
  },
});
