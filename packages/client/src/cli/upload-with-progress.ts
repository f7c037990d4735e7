/**
 * An upload as the commands show it, shared by upload-image, create-image --file and
 * save-image: the FILE checked before anything is sent, a progress bar on a terminal, a
 * summary line, and the failures a user meets (no such image, Ctrl-C, no such file) turned
 * into a message that says what to do.
 */
import { stat } from 'node:fs/promises';
import type { UploadResult } from '../transfer/upload-file.js';
import { ApiError } from '../wire/api-errors.js';
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';
import { CliError, ExitCode } from './cli-errors.js';
import type { CommandContext } from './command-context.js';
import { formatBytes } from './format.js';

/** Refuses a FILE that is missing or not a regular file, before anything is sent. */
export async function checkUploadFile(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info === undefined) throw new CliError(`no such file: ${file}`);
  if (!info.isFile()) throw new CliError(`${file} is not a regular file: give the image file to upload`);
}

/** Uploads with a progress bar and turns "no such image" into advice; shared with create-image and save-image. */
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
