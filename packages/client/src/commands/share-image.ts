/**
 * `repoman share-image IMAGE --user U --group G`: lets users and groups read and download an
 * image (read-only); repeatable and comma-separated.
 */
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { parseImageArg } from '../cli/parse-values.js';
import { addShareTargetOptions, describeTarget, readShareTargets, type ShareTarget } from '../cli/share-targets.js';

export interface ShareImageOptions {
  readonly image: ImageRef;
  readonly targets: readonly ShareTarget[];
}

export const shareImageCommand = defineCommand<ShareImageOptions>({
  name: 'share-image',
  summary: 'let users or groups read and download an image',
  examples: ['repoman share-image sl55.img --user pam --group atlas'],
  configure: (command) => {
    command.argument('<IMAGE>', 'NAME or OWNER/NAME').option('--owner <USER>', 'the image is in this user\'s namespace');
    addShareTargetOptions(command);
  },
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), targets: readShareTargets(flags, 'share with') }),
  async run(options, context) {
    const client = context.client();
    for (const target of options.targets) {
      await client.shareImage(options.image, target);
      context.note(`shared ${formatImageRef(options.image)} with ${describeTarget(target)}`);
    }
  },
});
