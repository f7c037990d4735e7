/**
 * An upload as the commands show it, shared by upload-image, create-image --file and
 * save-image: the FILE checked before anything is sent, a progress bar on a terminal, a
 * summary line, and the failures a user meets (no such image, Ctrl-C, no such file) turned
 * into a message that says what to do. Files of 64 MiB and more go through the resumable
 * protocol (transfer/resumable-upload.ts), whose URL is kept in `~/.repoman/uploads.json` so
 * that `upload-image --continue` finishes an interrupted one. With `delta` (save-image re-saving,
 * `upload-image --delta`) only the blocks that differ from that version are sent
 * (transfer/delta-upload.ts), and it says how many bytes went; a server that cannot (no block
 * list yet) gets the whole file, and the user is told why; a server without resumable uploads
 * gets a big file in one PUT.
 */
import { stat } from 'node:fs/promises';
import { NothingToContinueError, RESUMABLE_MIN_BYTES } from '../transfer/resumable-upload.js';
import type { UploadResult } from '../transfer/upload-file.js';
import { UploadStateFile } from '../transfer/upload-state.js';
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
export async function uploadWithProgress(
  context: CommandContext, image: ImageRef, file: string, options: { readonly resume?: boolean; readonly delta?: number | undefined } = {},
): Promise<UploadResult> {
  // A missing FILE is reported by the upload itself (ENOENT, below).
  const resumable = options.resume === true || ((await stat(file).catch(() => undefined))?.size ?? 0) >= RESUMABLE_MIN_BYTES;
  const bar = context.progress(formatImageRef(image));
  try {
    const transfer = { onProgress: bar.listener, signal: context.signal };
    const delta = options.delta === undefined ? undefined : await context.client().uploadImageDelta(image, file, options.delta, transfer);
    if (delta !== undefined && 'fallback' in delta) context.note(`${delta.fallback}: uploading the whole image`);
    const result = delta !== undefined && !('fallback' in delta) ? delta
      : resumable
        ? await context.client().uploadImageResumable(image, file, { ...transfer, state: UploadStateFile.inHome(context.home), resume: options.resume }).catch((error: unknown) => {
          // A server without resumable uploads (an older release, a proxy that routes only the
          // classic URLs) answers their URL with 404 NOT_FOUND or 405: send the file in one PUT.
          if (options.resume === true || !(error instanceof ApiError && (error.code === 'NOT_FOUND' || error.code === 'METHOD_NOT_ALLOWED'))) throw error;
          context.note('the server offers no resumable uploads: sending the file in one request');
          return context.client().uploadImage(image, file, transfer);
        })
        : await context.client().uploadImage(image, file, transfer);
    bar.stop();
    if (delta !== undefined && !('fallback' in delta)) {
      context.note(`sent ${formatBytes(delta.sent)} of ${formatBytes(delta.size)}: ${delta.changedBlocks} of ${delta.blocks} blocks changed since version ${options.delta}`);
    }
    if (context.chatty) context.note(`uploaded ${file} to ${formatImageRef(image)}: ${formatBytes(result.size)}, sha256 ${result.sha256}`);
    return result;
  } catch (error) {
    bar.stop();
    if (error instanceof ApiError && error.code === 'IMAGE_NOT_FOUND') {
      const advice = image.owner === undefined ? `create it first with repoman create-image ${image.name} --file ${file}` : 'see repoman list-images --shared';
      throw new CliError(`${error.message.replace(/\.$/, '')}: ${advice}`, ExitCode.NOT_FOUND);
    }
    if (error instanceof NothingToContinueError) throw new CliError(error.message);
    if (error instanceof Error && error.name === 'TransferAbortedError') {
      const then = resumable ? `; finish the upload with repoman upload-image --continue ${formatImageRef(image)} ${file}` : '';
      throw new CliError(`interrupted: the upload was abandoned and the server keeps the previous version${then}`, ExitCode.INTERRUPTED);
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`no such file: ${file}`);
    throw error;
  }
}
