/**
 * `repoman download-image IMAGE [DEST]` (2011: `down`, `get-image`, `gi`): fetches an image's
 * bytes, verified against its sha256. DEST defaults to the image's name in the current
 * directory (or inside DEST when it is a directory); `-` writes to stdout. Bytes go to
 * `DEST.part`, renamed to DEST only when complete and verified, so DEST is never half-written;
 * Ctrl-C keeps `DEST.part` and `--continue` resumes it; with no `.part`, `--continue` resumes
 * a partial DEST in place (as `wget -c`), verified like any download. A checksum mismatch
 * removes the `.part` and fails. Replacing an existing DEST asks first (`--force` skips the
 * question). A missing directory (`DIR/`, or DEST's parent) is refused before anything is fetched.
 * `--version N` fetches a kept version instead of the current content (resumable the same way).
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { formatImageRef, type ImageRef } from '../wire/image-ref.js';
import { defineCommand } from '../cli/command-spec.js';
import { UsageError } from '../cli/cli-errors.js';
import { formatBytes } from '../cli/format.js';
import { parseImageArg, parseVersion } from '../cli/parse-values.js';

export interface DownloadImageOptions {
  readonly image: ImageRef;
  /** A path, or `-` for stdout. */
  readonly dest: string;
  readonly resume: boolean;
  readonly force: boolean;
  /** A kept version; absent: the current content. */
  readonly version?: number;
}

export const downloadImageCommand = defineCommand<DownloadImageOptions>({
  name: 'download-image',
  aliases: ['down', 'get-image', 'gi'],
  summary: 'download an image\'s bytes, verified by sha256 (resumable with --continue)',
  examples: [
    'repoman download-image bob/debian6.img.gz /scratch/debian6.img.gz',
    'repoman get-image sl55.img --continue',
    'repoman gi sl55.img - | gunzip > sl55.raw',
    'repoman download-image sl55.img old-sl55.img --version 3',
  ],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .argument('[DEST]', 'file or directory to write to; - for stdout (default: ./NAME)')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('-c, --continue', 'resume from DEST.part left by an interrupted download')
    .option('-f, --force', 'replace an existing DEST without asking')
    .option('--version <N>', 'a kept version instead of the current content (see list-versions)'),
  parse: ({ args, flags }) => {
    const image = parseImageArg(args[0], flags.owner);
    const dest = typeof args[1] === 'string' && args[1] !== '' ? args[1] : image.name;
    const resume = flags.continue === true;
    if (dest === '-' && resume) throw new UsageError('--continue needs a file DEST: a download to stdout cannot be resumed');
    const version = flags.version === undefined ? undefined : parseVersion(flags.version, '--version');
    return { image, dest, resume, force: flags.force === true, ...(version !== undefined && { version }) };
  },
  async run(options, context) {
    if (options.dest === '-') {
      // A bar on stderr only when stdout is not the terminal too: bytes and bar would mix on it.
      const bar = context.progress(formatImageRef(options.image));
      try {
        const onProgress = context.io.stdoutIsTTY ? undefined : bar.listener;
        await context.client().downloadImage(options.image, context.io.stdout, { signal: context.signal, onProgress, version: options.version });
      } finally {
        bar.stop();
      }
      return;
    }
    const dest = await destinationFile(options);
    const target = await stat(dest).catch(() => undefined);
    if (target) {
      if (!target.isFile()) throw new UsageError(`${dest} exists and is not a regular file`);
      // --continue without a .part resumes DEST itself (wget -c): nothing is replaced.
      const resumesDest = options.resume && (await stat(`${dest}.part`).catch(() => undefined)) === undefined;
      if (!resumesDest) await context.confirm(`replace ${dest}?`, options.force);
    }
    const client = context.client();
    const bar = context.progress(formatImageRef(options.image));
    try {
      const result = await client.downloadImage(options.image, dest, { resume: options.resume, onProgress: bar.listener, signal: context.signal, version: options.version });
      bar.stop();
      if (context.chatty) {
        const resumed = result.resumedFrom > 0 ? `, resumed at ${formatBytes(result.resumedFrom)}` : '';
        const which = options.version === undefined ? '' : ` version ${options.version}`;
        context.note(`downloaded ${formatImageRef(options.image)}${which} to ${dest}: ${formatBytes(result.size)}${resumed}, sha256 ${result.sha256} verified`);
      }
    } finally {
      bar.stop();
    }
  },
});

/** The file to write: DEST, or the image's name inside DEST when it is a directory; its directory must exist. */
async function destinationFile(options: DownloadImageOptions): Promise<string> {
  const dest = resolve(options.dest);
  const existing = await stat(dest).catch(() => undefined);
  if (existing?.isDirectory()) return join(dest, options.image.name);
  if (/[/\\]$/.test(options.dest)) throw new UsageError(`no such directory: ${options.dest} (create it first, or give a file name)`);
  const parent = await stat(dirname(dest)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new UsageError(`no such directory: ${dirname(dest)} (create it first, or write elsewhere)`);
  return dest;
}
