/**
 * `repoman create-image NAME` (2011: `ci`): makes an empty image slot with its metadata, and
 * with `--file FILE` uploads its bytes at once (as upload-image does: streamed, sha256 sent
 * as a trailer, progress bar on a terminal). The file is checked before the slot is made, and
 * a failed upload removes the slot again, so that the same command can simply be rerun; a
 * name already taken says which commands change that image.
 */
import { ApiError } from '../wire/api-errors.js';
import type { ImageFields } from '@repoman/api';
import { CliError, UsageError } from '../cli/cli-errors.js';
import { defineCommand } from '../cli/command-spec.js';
import { addDiskOptions, addMetadataOptions, readDiskOptions, readMetadata } from '../cli/metadata-flags.js';
import { printJson } from '../cli/output.js';
import { parseImageArg } from '../cli/parse-values.js';
import { printImage } from '../cli/record-views.js';
import { checkUploadFile, uploadWithProgress } from '../cli/upload-with-progress.js';

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
    'repoman create-image win.vhdx --disk-format vhdx --min-disk 40 --min-ram 4096 --file ./win.vhdx',
  ],
  configure: (command) => {
    command.argument('<NAME>', 'the new image\'s name (letters, digits, . _ -)');
    addDiskOptions(addMetadataOptions(command))
      .option('--file <FILE>', 'upload this file as the image\'s bytes')
      .option('--json', 'print the record as JSON');
  },
  parse: ({ args, flags }) => {
    const ref = parseImageArg(args[0], undefined);
    if (ref.owner) throw new UsageError('create-image makes images in your own namespace: give NAME without OWNER/');
    return { name: ref.name, fields: { ...readMetadata(flags), ...readDiskOptions(flags) }, file: flags.file as string | undefined, json: flags.json === true };
  },
  async run(options, context) {
    // The file is checked before the slot is made, so that a typo leaves nothing behind.
    if (options.file) await checkUploadFile(options.file);
    const client = context.client();
    let image = await client.createImage(options.name, options.fields).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 409) {
        const next = options.file ? `repoman upload-image ${options.name} ${options.file}` : `repoman upload-image ${options.name} FILE`;
        throw new CliError(`${error.message.replace(/\.$/, '')}: to replace its bytes run ${next}; to change its metadata, repoman modify-image ${options.name}`);
      }
      throw error;
    });
    if (options.file) {
      try {
        const result = await uploadWithProgress(context, { name: options.name }, options.file);
        image = result.image ?? (await client.getImage({ name: options.name }));
      } catch (error) {
        // The slot was made for these bytes: without them it is removed, so that the same command can be run again.
        await client.deleteImage({ name: options.name }).catch(() => undefined);
        throw error;
      }
    }
    if (options.json) printJson(context.io, image);
    else printImage(context.io, image);
  },
});
