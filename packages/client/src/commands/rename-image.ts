/**
 * `repoman rename-image IMAGE NEW` (2011: `rn`): gives an image a new name in its owner's
 * namespace.
 */
import type { ImageRef } from '../wire/image-ref.js';
import { UsageError } from '../cli/cli-errors.js';
import { defineCommand } from '../cli/command-spec.js';
import { parseImageArg } from '../cli/parse-values.js';

export interface RenameImageOptions {
  readonly image: ImageRef;
  readonly newName: string;
}

export const renameImageCommand = defineCommand<RenameImageOptions>({
  name: 'rename-image',
  aliases: ['rn'],
  summary: 'rename an image',
  examples: ['repoman rename-image sl55.img sl55-worker.img'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .argument('<NEW>', 'the new name')
    .option('--owner <USER>', 'the image is in this user\'s namespace'),
  parse: ({ args, flags }) => {
    const target = parseImageArg(args[1], undefined);
    if (target.owner) throw new UsageError('the new name is a NAME: an image keeps its owner (modify-image --new-owner changes it)');
    return { image: parseImageArg(args[0], flags.owner), newName: target.name };
  },
  async run(options, context) {
    const image = await context.client().modifyImage(options.image, { name: options.newName });
    context.note(`renamed to ${image.owner}/${image.name}`);
  },
});
