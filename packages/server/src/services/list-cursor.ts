/**
 * The opaque `cursor` of keyset paging: the place of a page's last image in the listing's
 * order (owner name, image name, id; for another order also its name and the image's sort key),
 * as base64url of a small JSON array. Clients only pass back what a `Link: <…>; rel="next"`
 * gave them; anything else, or a cursor of another order, is refused with 400, never trusted
 * into a query.
 */
import type { ImageSortName } from '@repoman/api';
import type { ImageListPosition } from '../metadata/image-store.js';
import { RepomanError } from './repoman-error.js';

const DEFAULT_SORT: ImageSortName = 'owner';

export function encodeCursor(position: ImageListPosition, sort: ImageSortName = DEFAULT_SORT): string {
  const place: unknown[] = [position.owner, position.name, position.id];
  // The default order keeps the short form cursors had before sorting existed.
  if (sort !== DEFAULT_SORT) place.push(sort, position.key ?? null);
  return Buffer.from(JSON.stringify(place)).toString('base64url');
}

export function decodeCursor(cursor: string, sort: ImageSortName = DEFAULT_SORT): ImageListPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) && (parsed.length === 3 || parsed.length === 5) &&
    typeof parsed[0] === 'string' && typeof parsed[1] === 'string' && Number.isSafeInteger(parsed[2]) && (parsed[2] as number) > 0
  ) {
    const position = { owner: parsed[0], name: parsed[1], id: parsed[2] as number };
    const cursorSort = parsed.length === 5 ? parsed[3] : DEFAULT_SORT;
    if (cursorSort !== sort) throw new RepomanError('BAD_REQUEST', `this cursor pages the order sort=${String(cursorSort)}: keep that sort with it, or start again without cursor`);
    if (parsed.length === 3) return position;
    // The key's type is the order's (a number for size, text otherwise), so no forged cursor reaches the database as the wrong type.
    const numeric = sort === 'size' || sort === '-size';
    if (numeric ? Number.isSafeInteger(parsed[4]) : typeof parsed[4] === 'string') return { ...position, key: parsed[4] as string | number };
  }
  throw new RepomanError('BAD_REQUEST', 'cursor is not one this server gave out; follow the Link header of the previous page, or start again without cursor');
}
