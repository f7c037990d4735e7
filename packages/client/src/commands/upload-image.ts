/**
 * `repoman upload-image IMAGE FILE` (2011: `up`, `put-image`, `pi`): replaces an image's bytes
 * with a file. The bytes are streamed while a background thread computes the file's sha256,
 * sent after them as a `Repr-Digest` trailer, so the server refuses a corrupted upload (422)
 * and keeps the previous version; a progress bar on a terminal; network errors and 5xx
 * are retried a few times, re-reading the file from the start; Ctrl-C aborts and the server
 * keeps the previous version.
 */
import type { ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { parseImageArg } from '../cli/parse-values.js';
import { checkUploadFile, uploadWithProgress } from '../cli/upload-with-progress.js';

export interface UploadImageOptions {
  readonly image: ImageRef;
  readonly file: string;
}

export const uploadImageCommand = defineCommand<UploadImageOptions>({
  name: 'upload-image',
  aliases: ['up', 'put-image', 'pi'],
  summary: 'upload a file as an image\'s bytes (replacing the previous version atomically)',
  examples: ['repoman upload-image debian6.img.gz ./debian6.img.gz'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .argument('<FILE>', 'the image file')
    .option('--owner <USER>', 'the image is in this user\'s namespace'),
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), file: String(args[1]) }),
  async run(options, context) {
    await checkUploadFile(options.file);
    await uploadWithProgress(context, options.image, options.file);
  },
});
