/**
 * The images a user names for an image list, as the server takes them (`OWNER/NAME`): a bare
 * `NAME` is in the caller's namespace, so the caller's user name is asked (once) when needed.
 */
import { parseImageRef } from '../wire/image-ref.js';

export async function listMembers(images: readonly string[], me: () => Promise<string>): Promise<string[]> {
  const refs = images.map((image) => parseImageRef(image));
  const owner = refs.some((ref) => ref.owner === undefined) ? await me() : '';
  return refs.map((ref) => `${ref.owner ?? owner}/${ref.name}`);
}
