/**
 * `repoman link-image IMAGE [--expires-in 7d] [--pin-version N]`: makes a download link to an
 * image you may modify, for a machine without a grid proxy (Glance's web-download,
 * `qemu-img convert https://…`, wget). Prints the URL on stdout: the only time it is shown,
 * since the server keeps only a hash of its token. The pinned version's flag is not `--version`,
 * which the program's own -V/--version takes wherever it stands.
 */
import type { ImageRef } from '../wire/image-ref.js';
import { formatImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { println } from '../cli/io-streams.js';
import { printJson } from '../cli/output.js';
import { parseImageArg, parseSeconds, parseWhole } from '../cli/parse-values.js';

export interface LinkImageOptions {
  readonly image: ImageRef;
  readonly expiresIn: number | undefined;
  readonly version: number | undefined;
  readonly json: boolean;
}

export const linkImageCommand = defineCommand<LinkImageOptions>({
  name: 'link-image',
  summary: 'make a download link to an image, for clouds without a grid proxy (the URL is shown once)',
  examples: ['repoman link-image sl55.img --expires-in 7d', 'qemu-img convert -O raw "$(repoman link-image sl55.qcow2 --expires-in 2h)" sl55.raw'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('--expires-in <TIME>', 'lifetime: seconds, or 30m, 12h, 7d, 2w (default 7d, at most the server\'s max_link_seconds)')
    .option('--pin-version <N>', 'pin this version (it must be the current one for now); default: the link follows the current content')
    .option('--json', 'print the answer (id, url, expires, version) as JSON'),
  parse: ({ args, flags }) => ({
    image: parseImageArg(args[0], flags.owner),
    expiresIn: typeof flags.expiresIn === 'string' ? parseSeconds(flags.expiresIn, '--expires-in') : undefined,
    version: typeof flags.pinVersion === 'string' ? parseWhole(flags.pinVersion, '--pin-version', 'versions') : undefined,
    json: flags.json === true,
  }),
  async run(options, context) {
    const link = await context.client().createLink(options.image, {
      ...(options.expiresIn !== undefined && { expires_in: options.expiresIn }),
      ...(options.version !== undefined && { version: options.version }),
    });
    if (options.json) printJson(context.io, link);
    else println(context.io, link.url);
    context.note(
      `link ${link.id} to ${formatImageRef(options.image)}${link.version === null ? '' : ` version ${link.version}`}, valid until ${link.expires}. ` +
        'Its URL is shown only now and lets anyone holding it download the image: keep it secret. ' +
        `Revoke it with: repoman revoke-link ${formatImageRef(options.image)} ${link.id}`,
    );
  },
});
