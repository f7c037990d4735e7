/**
 * The server's side of save-image. Before the snapshot (so that a long copy is not wasted):
 * the credential is checked, the image looked up, a read-only image refused, and replacing an
 * existing one confirmed (`--force`, else a question on a terminal, else exit 2). After it:
 * the slot is created with the metadata when new, the file uploaded exactly as upload-image
 * does (sha256 sent as a Repr-Digest trailer, progress bar on a terminal, retries; a re-save
 * sends only the blocks changed since the current version, unless `--full`), and only then
 * is an existing image's metadata changed — so a failed upload leaves the previous image,
 * bytes and record, as it was; a slot this run created is removed again when its upload fails.
 * The image's `disk_format` (raw, qcow2) is sent only to a server whose image records have
 * that field: an older server refuses fields it does not know.
 */
import { ApiError } from '../wire/api-errors.js';
import type { DiskFormat, ImageFields, Image } from '@repoman/api';
import { CliError } from '../cli/cli-errors.js';
import type { CommandContext } from '../cli/command-context.js';
import { formatBytes } from '../cli/format.js';
import { uploadWithProgress } from '../cli/upload-with-progress.js';

/** The image as it is on the server (undefined: none yet), after the replace question. */
export async function prepareTarget(context: CommandContext, name: string, force: boolean): Promise<Image | undefined> {
  let existing: Image | undefined;
  try {
    existing = await context.client().getImage({ name });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
  if (existing.read_only) {
    throw new CliError(`${name} is read-only: clear it first with repoman modify-image ${name} --read-only false`);
  }
  if (existing.status === 'ready') {
    await context.confirm(`replace the image ${name} (version ${existing.version}, ${formatBytes(existing.size)}) with a new snapshot?`, force);
  }
  return existing;
}

export interface PublishInput {
  readonly name: string;
  readonly file: string;
  readonly fields: ImageFields;
  readonly existing: Image | undefined;
  /** The uploaded file's format, for servers that record it. */
  readonly diskFormat?: DiskFormat | undefined;
  /** `--full`: upload every byte even when the server holds a previous version. */
  readonly full?: boolean | undefined;
}

export async function publishSnapshot(context: CommandContext, input: PublishInput): Promise<Image> {
  const client = context.client();
  const ref = { name: input.name };
  const { read_only: readOnly, ...creation } = input.fields;
  if (!input.existing) await client.createImage(input.name, creation);
  let uploaded: Image | undefined;
  try {
    // A re-save sends only the blocks changed since the current version (unless --full).
    const delta = input.existing?.status === 'ready' && input.full !== true ? input.existing.version : undefined;
    uploaded = (await uploadWithProgress(context, ref, input.file, { delta })).image;
  } catch (error) {
    if (!input.existing) {
      await client.deleteImage(ref).catch(() => context.note(`warning: the empty image ${input.name} made for this upload is left on the server`));
    }
    throw error;
  }
  const changes: ImageFields = input.existing ? { ...input.fields } : readOnly === undefined ? {} : { read_only: readOnly };
  const record = uploaded ?? input.existing;
  if (input.diskFormat !== undefined && record !== undefined && 'disk_format' in record && record.disk_format !== input.diskFormat) {
    changes.disk_format = input.diskFormat;
  }
  if (Object.keys(changes).length > 0) return client.modifyImage(ref, changes);
  return uploaded ?? client.getImage(ref);
}
