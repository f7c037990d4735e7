/**
 * `repoman unshare-image IMAGE --user U --group G`: stops sharing an image with users and
 * groups.
 */
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { parseImageArg } from '../cli/parse-values.js';
import { addShareTargetOptions, describeTarget, readShareTargets, type ShareTarget } from '../cli/share-targets.js';

export interface UnshareImageOptions {
  readonly image: ImageRef;
  readonly targets: readonly ShareTarget[];
}

export const unshareImageCommand = defineCommand<UnshareImageOptions>({
  name: 'unshare-image',
  summary: 'stop sharing an image with users or groups',
  examples: ['repoman unshare-image sl55.img --user pam'],
  configure: (command) => {
    command.argument('<IMAGE>', 'NAME or OWNER/NAME').option('--owner <USER>', 'the image is in this user\'s namespace');
    addShareTargetOptions(command);
  },
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), targets: readShareTargets(flags, 'stop sharing with') }),
  async run(options, context) {
    const client = context.client();
    for (const target of options.targets) {
      await client.unshareImage(options.image, target);
      context.note(`stopped sharing ${formatImageRef(options.image)} with ${describeTarget(target)}`);
    }
  },
});
