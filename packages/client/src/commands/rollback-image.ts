/**
 * `repoman rollback-image IMAGE VERSION`: makes a kept version's bytes current again, as a new
 * version (the server copies no byte; the history stays, so a rollback can itself be undone).
 */
import { defineCommand } from '../cli/command-spec.js';
import { printJson } from '../cli/output.js';
import { parseImageArg, parseVersion } from '../cli/parse-values.js';
import { printImage } from '../cli/record-views.js';
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';

export interface RollbackImageOptions {
  readonly image: ImageRef;
  readonly version: number;
  readonly json: boolean;
}

export const rollbackImageCommand = defineCommand<RollbackImageOptions>({
  name: 'rollback-image',
  summary: 'make the bytes of a kept version current again, as a new version',
  examples: ['repoman rollback-image sl55.img 3', 'repoman list-versions sl55.img'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .argument('<VERSION>', 'a kept version (see list-versions)')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('--json', 'print the record as JSON'),
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), version: parseVersion(args[1], 'VERSION'), json: flags.json === true }),
  async run(options, context) {
    const image = await context.client().rollbackImage(options.image, options.version);
    if (options.json) {
      printJson(context.io, image);
      return;
    }
    context.note(`${formatImageRef(options.image)} now has the bytes of version ${options.version}, as version ${image.version}`);
    printImage(context.io, image);
  },
});
