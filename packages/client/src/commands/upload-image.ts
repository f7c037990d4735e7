/**
 * `repoman upload-image IMAGE FILE` (2011: `up`, `put-image`, `pi`): replaces an image's bytes
 * with a file. The bytes are streamed while a background thread computes the file's sha256,
 * sent after them as a `Repr-Digest` trailer, so the server refuses a corrupted upload (422)
 * and keeps the previous version; a progress bar on a terminal; network errors and 5xx
 * are retried a few times, re-reading the file from the start; Ctrl-C aborts and the server
 * keeps the previous version. Files of 64 MiB and more go through resumable uploads, which
 * resume by themselves after a network failure and, after Ctrl-C, with `--continue`.
 * `--delta` sends only the blocks changed since the current version (delta-upload.ts).
 * `--disk-format` then sets the image's format (else the server detects it from the bytes).
 */
import type { DiskFormat } from '@repoman/api';
import type { ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { DISK_FORMAT_HELP } from '../cli/metadata-flags.js';
import { parseDiskFormat, parseImageArg } from '../cli/parse-values.js';
import { UsageError } from '../cli/cli-errors.js';
import { checkUploadFile, uploadWithProgress } from '../cli/upload-with-progress.js';

export interface UploadImageOptions {
  readonly image: ImageRef;
  readonly file: string;
  readonly diskFormat: DiskFormat | '' | undefined;
  /** Finish the upload an earlier run left (Ctrl-C, a lost connection). */
  readonly resume: boolean;
  /** `--delta`: send only the blocks changed since the image's current version. */
  readonly delta?: boolean | undefined;
}

export const uploadImageCommand = defineCommand<UploadImageOptions>({
  name: 'upload-image',
  aliases: ['up', 'put-image', 'pi'],
  summary: 'upload a file as an image\'s bytes: a new version, made current atomically (earlier ones stay listed by list-versions)',
  examples: ['repoman upload-image debian6.img.gz ./debian6.img.gz', 'repoman up win.img ./win.img --disk-format vhd', 'repoman upload-image --continue big.qcow2 ./big.qcow2'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .argument('<FILE>', 'the image file')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('--disk-format <FORMAT>', DISK_FORMAT_HELP)
    .option('--continue', 'finish an interrupted upload of FILE (files of 64 MiB or more) from where the server stands')
    .option('--delta', 'send only the 8 MiB blocks that differ from the image\'s current version (the whole file if the server cannot)'),
  parse: ({ args, flags }) => ({
    image: parseImageArg(args[0], flags.owner),
    file: String(args[1]),
    diskFormat: typeof flags.diskFormat === 'string' ? parseDiskFormat(flags.diskFormat) : undefined,
    resume: flags.continue === true,
    delta: flags.delta === true,
  }),
  async run(options, context) {
    await checkUploadFile(options.file);
    if (options.delta === true && options.resume) throw new UsageError('--delta and --continue do not go together: a delta upload is short, run it again');
    const current = options.delta === true ? await context.client().getImage(options.image) : undefined;
    const delta = current?.status === 'ready' ? current.version : undefined;
    await uploadWithProgress(context, options.image, options.file, { resume: options.resume, delta });
    // After the bytes, so that a failed upload changes nothing; an explicit format wins over detection.
    if (options.diskFormat !== undefined) await context.client().modifyImage(options.image, { disk_format: options.diskFormat });
  },
});
