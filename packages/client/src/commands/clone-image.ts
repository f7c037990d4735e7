/**
 * `repoman clone-image IMAGE NEW`: copies an image you can read (yours, shared with you, or
 * public) into your own namespace as NEW, bytes included.
 */
import type { ImageRef } from '../wire/image-ref.js';
import { UsageError } from '../cli/cli-errors.js';
import { defineCommand } from '../cli/command-spec.js';
import { printJson } from '../cli/output.js';
import { parseImageArg } from '../cli/parse-values.js';
import { printImage } from '../cli/record-views.js';

export interface CloneImageOptions {
  readonly image: ImageRef;
  readonly newName: string;
  readonly json: boolean;
}

export const cloneImageCommand = defineCommand<CloneImageOptions>({
  name: 'clone-image',
  summary: 'copy an image you can read into your own namespace',
  examples: ['repoman clone-image bob/sl55.img my-sl55.img'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .argument('<NEW>', 'name of the copy in your namespace')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('--json', 'print the new record as JSON'),
  parse: ({ args, flags }) => {
    const target = parseImageArg(args[1], undefined);
    if (target.owner) throw new UsageError('a clone goes into your own namespace: give NEW without OWNER/');
    return { image: parseImageArg(args[0], flags.owner), newName: target.name, json: flags.json === true };
  },
  async run(options, context) {
    const image = await context.client().cloneImage(options.image, options.newName);
    if (options.json) printJson(context.io, image);
    else printImage(context.io, image);
  },
});
