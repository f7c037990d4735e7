/**
 * `repoman create-imagelist NAME [IMAGE…]`: publishes a HEPiX image list of images the caller
 * can read (`NAME` or `OWNER/NAME`), optionally for a VO (`--vo`, its `ad:vo`) or a group
 * (`--group`), and prints it with the URL grid cloud subscribers (vmcatcher, cloudkeeper,
 * atrope) fetch. An empty list is allowed.
 */
import type { NewImageList } from '@repoman/api';
import { defineCommand } from '../cli/command-spec.js';
import { listMembers } from '../cli/image-list-members.js';
import { printImageList } from '../cli/image-list-views.js';
import { printJson } from '../cli/output.js';

export interface CreateImageListOptions {
  readonly list: Omit<NewImageList, 'images'>;
  readonly images: readonly string[];
  readonly json: boolean;
}

export const createImageListCommand = defineCommand<CreateImageListOptions>({
  name: 'create-imagelist',
  summary: 'publish a signed HEPiX image list of images, for grid clouds to subscribe to',
  examples: ['repoman create-imagelist fedcloud --vo fedcloud.egi.eu --title "Bob for FedCloud" debian12.img centos7.img', 'repoman create-imagelist empty'],
  configure: (command) => command
    .argument('<NAME>', 'list name (letters, digits, ., _ and -)')
    .argument('[IMAGE...]', 'images in it: NAME (yours) or OWNER/NAME')
    .option('--title <TITLE>', 'dc:title (default: the name)')
    .option('--description <TEXT>', 'dc:description')
    .option('--vo <VO>', 'the VO the list is for (ad:vo)')
    .option('--group <GROUP>', 'a group of yours the list is for')
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => {
    const list: Omit<NewImageList, 'images'> = {
      name: String(args[0]),
      ...(typeof flags.title === 'string' && { title: flags.title }),
      ...(typeof flags.description === 'string' && { description: flags.description }),
      ...(typeof flags.vo === 'string' && { vo: flags.vo }),
      ...(typeof flags.group === 'string' && { group: flags.group }),
    };
    return { list, images: (args[1] as string[] | undefined) ?? [], json: flags.json === true };
  },
  async run(options, context) {
    const client = context.client();
    const images = await listMembers(options.images, async () => (await client.whoami()).user_name);
    const list = await client.createImageList({ ...options.list, images });
    if (options.json) printJson(context.io, list);
    else printImageList(context.io, list);
  },
});
