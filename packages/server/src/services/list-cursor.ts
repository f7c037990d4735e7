/**
 * The opaque `cursor` of keyset paging: the place of a page's last image in the listing's
 * order (owner name, image name, id), as base64url of a small JSON array. Clients only pass
 * back what a `Link: <…>; rel="next"` gave them; anything else is refused with 400, never
 * trusted into a query.
 */
import type { ImageListPosition } from '../metadata/image-store.js';
import { RepomanError } from './repoman-error.js';

export function encodeCursor(position: ImageListPosition): string {
  return Buffer.from(JSON.stringify([position.owner, position.name, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): ImageListPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) && parsed.length === 3 &&
    typeof parsed[0] === 'string' && typeof parsed[1] === 'string' && Number.isSafeInteger(parsed[2]) && (parsed[2] as number) > 0
  ) {
    return { owner: parsed[0], name: parsed[1], id: parsed[2] as number };
  }
  throw new RepomanError('BAD_REQUEST', 'cursor is not one this server gave out; follow the Link header of the previous page, or start again without cursor');
}
