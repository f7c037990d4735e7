/**
 * `repoman revoke-link IMAGE ID`: revokes a download link of an image (its id as link-image and
 * list-links show it); its URL answers 404 from then on.
 */
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { parseImageArg } from '../cli/parse-values.js';

export interface RevokeLinkOptions {
  readonly image: ImageRef;
  readonly id: string;
}

export const revokeLinkCommand = defineCommand<RevokeLinkOptions>({
  name: 'revoke-link',
  summary: 'revoke a download link of an image: its URL stops working at once',
  examples: ['repoman revoke-link sl55.img 3f9c2a7b1e04'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .argument('<ID>', 'the link\'s id (see list-links)')
    .option('--owner <USER>', 'the image is in this user\'s namespace'),
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), id: String(args[1]) }),
  async run(options, context) {
    await context.client().revokeLink(options.image, options.id);
    context.note(`revoked link ${options.id} of ${formatImageRef(options.image)}`);
  },
});
