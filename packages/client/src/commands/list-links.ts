/**
 * `repoman list-links IMAGE`: the live download links of an image you may modify (neither
 * expired nor revoked), as a table or `--json`. Tokens are never shown: the server does not
 * keep them.
 */
import type { ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { printJson, printTable } from '../cli/output.js';
import { parseImageArg } from '../cli/parse-values.js';

export interface ListLinksOptions {
  readonly image: ImageRef;
  readonly json: boolean;
}

export const listLinksCommand = defineCommand<ListLinksOptions>({
  name: 'list-links',
  summary: 'list the live download links of an image (never their URLs)',
  examples: ['repoman list-links sl55.img', 'repoman list-links bob/sl55.img --json'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('--json', 'print the records as JSON'),
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), json: flags.json === true }),
  async run(options, context) {
    const links = await context.client().listLinks(options.image);
    if (options.json) return printJson(context.io, links);
    printTable(
      context.io,
      ['ID', 'EXPIRES', 'VERSION', 'CREATED', 'BY', 'DOWNLOADS'],
      links.map((link) => [link.id, link.expires, link.version === null ? 'current' : String(link.version), link.created, link.created_by, String(link.downloads)]),
    );
  },
});
