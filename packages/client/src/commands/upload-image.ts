/**
 * `repoman upload-image IMAGE FILE` (2011: `up`, `put-image`, `pi`): replaces an image's bytes
 * with a file. The bytes are streamed while a background thread computes the file's sha256,
 * sent after them as a `Repr-Digest` trailer, so the server refuses a corrupted upload (422)
 * and keeps the previous version; a progress bar on a terminal; network errors and 5xx
 * are retried a few times, re-reading the file from the start; Ctrl-C aborts and the server
 * keeps the previous version.
 */
import { stat } from 'node:fs/promises';
import { ApiError } from '../wire/api-errors.js';
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';
import { CliError, ExitCode } from '../cli/cli-errors.js';
import type { CommandContext } from '../cli/command-context.js';
import { defineCommand } from '../cli/command-spec.js';
import { formatBytes } from '../cli/format.js';
import { parseImageArg } from '../cli/parse-values.js';
import type { UploadResult } from '../transfer/upload-file.js';

export interface UploadImageOptions {
  readonly image: ImageRef;
  readonly file: string;
}

/** Refuses a FILE that is missing or not a regular file, before anything is sent. */
export async function checkUploadFile(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info === undefined) throw new CliError(`no such file: ${file}`);
  if (!info.isFile()) throw new CliError(`${file} is not a regular file: give the image file to upload`);
}

/** Uploads with a progress bar and turns "no such image" into advice; shared with create-image. */
export async function uploadWithProgress(context: CommandContext, image: ImageRef, file: string): Promise<UploadResult> {
  const bar = context.progress(formatImageRef(image));
  try {
    const result = await context.client().uploadImage(image, file, { onProgress: bar.listener, signal: context.signal });
    bar.stop();
    if (context.chatty) context.note(`uploaded ${file} to ${formatImageRef(image)}: ${formatBytes(result.size)}, sha256 ${result.sha256}`);
    return result;
  } catch (error) {
    bar.stop();
    if (error instanceof ApiError && error.code === 'IMAGE_NOT_FOUND') {
      const advice = image.owner === undefined ? `create it first with repoman create-image ${image.name} --file ${file}` : 'see repoman list-images --shared';
      throw new CliError(`${error.message.replace(/\.$/, '')}: ${advice}`, ExitCode.NOT_FOUND);
    }
    if (error instanceof Error && error.name === 'TransferAbortedError') {
      throw new CliError('interrupted: the upload was abandoned and the server keeps the previous version', ExitCode.INTERRUPTED);
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`no such file: ${file}`);
    throw error;
  }
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
