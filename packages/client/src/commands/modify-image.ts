/**
 * `repoman modify-image IMAGE` (2011: `mi`): changes an image's metadata with the metadata
 * flags, renames it with `--new-name`, or (admins) gives it to another user with `--new-owner`.
 */
import type { ImageChanges } from '@repoman/api';
import type { ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { UsageError } from '../cli/cli-errors.js';
import { addDiskOptions, addMetadataOptions, readDiskOptions, readMetadata } from '../cli/metadata-flags.js';
import { printJson } from '../cli/output.js';
import { parseImageArg } from '../cli/parse-values.js';
import { printImage } from '../cli/record-views.js';

export interface ModifyImageOptions {
  readonly image: ImageRef;
  readonly changes: ImageChanges;
  readonly json: boolean;
}

export const modifyImageCommand = defineCommand<ModifyImageOptions>({
  name: 'modify-image',
  aliases: ['mi'],
  summary: 'change an image\'s metadata (or rename it, or give it to another user)',
  examples: ['repoman modify-image sl55.img --description "SL 5.5 worker" --read-only', 'repoman mi bob/sl55.img --unauthenticated_access false'],
  configure: (command) => {
    command.argument('<IMAGE>', 'NAME or OWNER/NAME').option('--owner <USER>', 'the image is in this user\'s namespace');
    addDiskOptions(addMetadataOptions(command))
      .option('--new-name <NAME>', 'rename the image')
      .option('--new-owner <USER>', 'give the image to this user (admins)')
      .option('--json', 'print the record as JSON');
  },
  parse: ({ args, flags }) => {
    const changes: ImageChanges = { ...readMetadata(flags), ...readDiskOptions(flags) };
    if (typeof flags.newName === 'string') changes.name = parseImageArg(flags.newName, undefined).name;
    if (typeof flags.newOwner === 'string') changes.owner = flags.newOwner;
    if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give at least one of the metadata flags, --disk-format, --min-disk, --min-ram, --new-name or --new-owner (see repoman modify-image --help)');
    return { image: parseImageArg(args[0], flags.owner), changes, json: flags.json === true };
  },
  async run(options, context) {
    const image = await context.client().modifyImage(options.image, options.changes);
    if (options.json) printJson(context.io, image);
    else printImage(context.io, image);
  },
});
