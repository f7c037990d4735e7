/**
 * `repoman create-image NAME` (2011: `ci`): makes an empty image slot with its metadata, and
 * with `--file FILE` uploads its bytes at once (as upload-image does: streamed, sha256 sent
 * as a trailer, progress bar on a terminal).
 */
import type { ImageFields } from '../api/api-types.js';
import { defineCommand } from '../cli/command-spec.js';
import { addMetadataOptions, readMetadata } from '../cli/metadata-flags.js';
import { printJson } from '../cli/output.js';
import { parseImageArg } from '../cli/parse-values.js';
import { printImage } from '../cli/record-views.js';
import { uploadWithProgress } from './upload-image.js';

export interface CreateImageOptions {
  readonly name: string;
  readonly fields: ImageFields;
  readonly file: string | undefined;
  readonly json: boolean;
}

export const createImageCommand = defineCommand<CreateImageOptions>({
  name: 'create-image',
  aliases: ['ci'],
  summary: 'create an image (its metadata), and upload a file into it with --file',
  examples: [
    'repoman create-image debian6.img.gz --description "Debian 6 worker" --os-variant debian6 --os-arch x86_64 --hypervisor kvm --file ./debian6.img.gz',
    'repoman ci sl55.img --os_arch x86_64 --public',
  ],
  configure: (command) => {
    command.argument('<NAME>', 'the new image\'s name (letters, digits, . _ -)');
    addMetadataOptions(command)
      .option('--file <FILE>', 'upload this file as the image\'s bytes')
      .option('--json', 'print the record as JSON');
  },
  parse: ({ args, flags }) => {
    const ref = parseImageArg(args[0], undefined);
    if (ref.owner) throw new TypeError('create-image makes images in your own namespace: give NAME without OWNER/');
    return { name: ref.name, fields: readMetadata(flags), file: flags.file as string | undefined, json: flags.json === true };
  },
  async run(options, context) {
    const client = context.client();
    let image = await client.createImage(options.name, options.fields);
    if (options.file) {
      const result = await uploadWithProgress(context, { name: options.name }, options.file);
      image = result.image ?? (await client.getImage({ name: options.name }));
    }
    if (options.json) printJson(context.io, image);
    else printImage(context.io, image);
  },
});
