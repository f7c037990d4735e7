/**
 * A bare NAME the caller does not own is the most common miss: the image is another user's,
 * shared with the caller or public, and must be named OWNER/NAME. When a command fails with
 * IMAGE_NOT_FOUND for a bare NAME, the images named so that the caller can see are looked up
 * and offered ("did you mean admin/rhel.img?"); otherwise the server's message is kept, its
 * older HTTP wording (`/api/images/{user}/NAME`) put in the command line's terms.
 */
import { ApiError } from '../wire/api-errors.js';
import type { ImageRef } from '../wire/image-ref.js';
import { CliError, ExitCode } from './cli-errors.js';
import type { CommandContext } from './command-context.js';

export async function explainMissingImage(error: unknown, options: unknown, context: CommandContext): Promise<unknown> {
  if (!(error instanceof ApiError) || error.code !== 'IMAGE_NOT_FOUND') return error;
  const image = (options as { image?: ImageRef } | undefined)?.image;
  if (image === undefined || image.owner !== undefined) return error;
  const others = await context.client().listImages({ q: image.name }).then(
    (found) => found.filter((record) => record.name === image.name).map((record) => `${record.owner}/${record.name}`),
    () => [] as string[],
  );
  if (others.length === 0) {
    return new ApiError(error.status, error.code, error.message.replace('/api/images/{user}/', 'OWNER/'));
  }
  return new CliError(`you have no image named ${image.name}; did you mean ${others.join(' or ')}? (another user's image is named OWNER/NAME)`, ExitCode.NOT_FOUND);
}
