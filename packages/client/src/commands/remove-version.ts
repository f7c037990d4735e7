/**
 * `repoman remove-version IMAGE VERSION`: drops one kept version of an image (not the current
 * one), after a yes/no question (`--force` skips it). Its bytes go once nothing names them.
 */
import { defineCommand } from '../cli/command-spec.js';
import { parseImageArg, parseVersion } from '../cli/parse-values.js';
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';

export interface RemoveVersionOptions {
  readonly image: ImageRef;
  readonly version: number;
  readonly force: boolean;
}

export const removeVersionCommand = defineCommand<RemoveVersionOptions>({
  name: 'remove-version',
  summary: 'drop a kept version of an image (not the current one; asks first unless --force)',
  examples: ['repoman remove-version sl55.img 2', 'repoman remove-version bob/sl55.img 2 --force'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .argument('<VERSION>', 'a kept version that is not the current one (see list-versions)')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('-f, --force', 'do not ask'),
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), version: parseVersion(args[1], 'VERSION'), force: flags.force === true }),
  async run(options, context) {
    const label = formatImageRef(options.image);
    await context.confirm(`drop version ${options.version} of ${label}?`, options.force);
    await context.client().deleteVersion(options.image, options.version);
    context.note(`dropped version ${options.version} of ${label}`);
  },
});
