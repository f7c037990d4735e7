/**
 * `repoman remove-image IMAGE` (2011: `ri`): deletes an image and its bytes, after a yes/no
 * question (`--force` skips it; without a terminal, --force is required).
 */
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { parseImageArg } from '../cli/parse-values.js';

export interface RemoveImageOptions {
  readonly image: ImageRef;
  readonly force: boolean;
}

export const removeImageCommand = defineCommand<RemoveImageOptions>({
  name: 'remove-image',
  aliases: ['ri'],
  summary: 'delete an image and its bytes (asks first unless --force)',
  examples: ['repoman remove-image old.img', 'repoman ri old.img --force'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('-f, --force', 'do not ask'),
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), force: flags.force === true }),
  async run(options, context) {
    await context.confirm(`delete the image ${formatImageRef(options.image)} and its bytes?`, options.force);
    await context.client().deleteImage(options.image);
    context.note(`deleted ${formatImageRef(options.image)}`);
  },
});
