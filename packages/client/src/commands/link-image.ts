/**
 * `repoman link-image IMAGE [--expires-in 7d] [--version N]`: makes a download link to an
 * image you may modify, for a machine without a grid proxy (Glance's web-download,
 * `qemu-img convert https://…`, wget). Prints the URL on stdout: the only time it is shown,
 * since the server keeps only a hash of its token. `--expires` is SPEC §4's spelling of
 * `--expires-in`.
 */
import { Option } from 'commander';
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';
import { UsageError } from '../cli/cli-errors.js';
import { defineCommand } from '../cli/command-spec.js';
import { println } from '../cli/io-streams.js';
import { printJson } from '../cli/output.js';
import { parseImageArg, parseSeconds, parseVersion } from '../cli/parse-values.js';

export interface LinkImageOptions {
  readonly image: ImageRef;
  readonly expiresIn: number | undefined;
  readonly version: number | undefined;
  readonly json: boolean;
}

function lifetime(flags: Readonly<Record<string, unknown>>): number | undefined {
  const given = (['expiresIn', 'expires'] as const).filter((key) => typeof flags[key] === 'string');
  if (given.length > 1) throw new UsageError('give --expires-in or --expires (the same thing), not both');
  const key = given[0];
  return key === undefined ? undefined : parseSeconds(String(flags[key]), key === 'expires' ? '--expires' : '--expires-in');
}

export const linkImageCommand = defineCommand<LinkImageOptions>({
  name: 'link-image',
  summary: 'make a download link to an image, for clouds without a grid proxy (the URL is shown once)',
  examples: ['repoman link-image sl55.img --expires-in 7d', 'qemu-img convert -O raw "$(repoman link-image sl55.qcow2 --expires-in 2h)" sl55.raw'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('--expires-in <TIME>', 'lifetime: seconds, or 30m, 12h, 7d, 2w (default 7d, at most the server\'s max_link_seconds); also --expires')
    .addOption(new Option('--expires <TIME>').hideHelp())
    .option('--version <N>', 'pin this kept version (see list-versions); default: the link follows the current content')
    .option('--json', 'print the answer (id, url, expires, version) as JSON'),
  parse: ({ args, flags }) => ({
    image: parseImageArg(args[0], flags.owner),
    expiresIn: lifetime(flags),
    version: flags.version === undefined ? undefined : parseVersion(flags.version, '--version'),
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
