/**
 * `repoman describe-image IMAGE` (2011: `di`): every field of an image record — yours as
 * NAME, another user's as OWNER/NAME or with --owner.
 */
import type { ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { printJson } from '../cli/output.js';
import { parseImageArg } from '../cli/parse-values.js';
import { printImage } from '../cli/record-views.js';

export interface DescribeImageOptions {
  readonly image: ImageRef;
  readonly json: boolean;
}

export const describeImageCommand = defineCommand<DescribeImageOptions>({
  name: 'describe-image',
  aliases: ['di'],
  summary: 'show every field of an image',
  examples: ['repoman describe-image rhel5.5.img', 'repoman di bob/debian6.img.gz --json'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), json: flags.json === true }),
  async run(options, context) {
    const image = await context.client().getImage(options.image);
    if (options.json) printJson(context.io, image);
    else printImage(context.io, image);
  },
});
