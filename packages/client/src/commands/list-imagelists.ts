/**
 * `repoman list-imagelists`: the caller's HEPiX image lists (every list for admins), with how
 * many of their images the signed document names and the URL subscribers fetch.
 */
import { defineCommand } from '../cli/command-spec.js';
import { printImageListTable } from '../cli/image-list-views.js';
import { printJson } from '../cli/output.js';

export interface ListImageListsOptions {
  readonly json: boolean;
}

export const listImageListsCommand = defineCommand<ListImageListsOptions>({
  name: 'list-imagelists',
  summary: 'list your image lists and the URLs subscribers fetch',
  examples: ['repoman list-imagelists', 'repoman list-imagelists --json'],
  configure: (command) => command.option('--json', 'print the records as JSON'),
  parse: ({ flags }) => ({ json: flags.json === true }),
  async run(options, context) {
    const lists = await context.client().listImageLists();
    if (options.json) printJson(context.io, lists);
    else printImageListTable(context.io, lists);
  },
});
