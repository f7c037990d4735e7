/**
 * `repoman modify-imagelist LIST [IMAGE…]`: changes a HEPiX image list (`NAME`, yours, or
 * `OWNER/NAME` for admins): `--title`, `--description`, `--vo` / `--no-vo`, `--group` /
 * `--no-group`; images given replace the list's images (`--no-images` empties it). The server
 * signs the list again with a higher version.
 */
import type { ImageListChanges } from '@repoman/api';
import { UsageError } from '../cli/cli-errors.js';
import { defineCommand } from '../cli/command-spec.js';
import { listMembers } from '../cli/image-list-members.js';
import { printImageList } from '../cli/image-list-views.js';
import { printJson } from '../cli/output.js';

export interface ModifyImageListOptions {
  readonly list: string;
  readonly changes: Omit<ImageListChanges, 'images'>;
  /** undefined: keep the images. */
  readonly images: readonly string[] | undefined;
  readonly json: boolean;
}

export const modifyImageListCommand = defineCommand<ModifyImageListOptions>({
  name: 'modify-imagelist',
  summary: 'change an image list: its fields, or its images (replaced by those given)',
  examples: ['repoman modify-imagelist fedcloud debian12.img rocky9.img', 'repoman modify-imagelist fedcloud --title "FedCloud images" --no-group'],
  configure: (command) => command
    .argument('<LIST>', 'the list: NAME (yours) or OWNER/NAME')
    .argument('[IMAGE...]', 'the images it names from now on: NAME (yours) or OWNER/NAME')
    .option('--title <TITLE>', 'dc:title')
    .option('--description <TEXT>', 'dc:description')
    .option('--vo <VO>', 'the VO the list is for (ad:vo)')
    .option('--no-vo', 'the list is for no VO')
    .option('--group <GROUP>', 'a group of the owner the list is for')
    .option('--no-group', 'the list is for no group')
    .option('--no-images', 'remove every image (the list stays, signed and empty)')
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => {
    const changes: Omit<ImageListChanges, 'images'> = {
      ...(typeof flags.title === 'string' && { title: flags.title }),
      ...(typeof flags.description === 'string' && { description: flags.description }),
      ...(flags.vo === false ? { vo: '' } : typeof flags.vo === 'string' && { vo: flags.vo }),
      ...(flags.group === false ? { group: '' } : typeof flags.group === 'string' && { group: flags.group }),
    };
    const named = (args[1] as string[] | undefined) ?? [];
    if (flags.images === false && named.length > 0) throw new UsageError('give images or --no-images, not both');
    const images = flags.images === false ? [] : named.length > 0 ? named : undefined;
    if (Object.keys(changes).length === 0 && images === undefined) {
      throw new UsageError('nothing to change: give images, --no-images, --title, --description, --vo or --group');
    }
    return { list: String(args[0]), changes, images, json: flags.json === true };
  },
  async run(options, context) {
    const client = context.client();
    const images = options.images === undefined ? undefined : await listMembers(options.images, async () => (await client.whoami()).user_name);
    const list = await client.modifyImageList(options.list, { ...options.changes, ...(images !== undefined && { images }) });
    if (options.json) printJson(context.io, list);
    else printImageList(context.io, list);
  },
});
