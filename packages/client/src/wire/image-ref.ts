/**
 * How an image is named: `NAME` (the caller's namespace) or `OWNER/NAME` (someone else's,
 * reached when shared with the caller or public), and the API paths built from it:
 * `/api/images/[OWNER/]NAME` for metadata, `/api/images/raw/[OWNER/]NAME` for the bytes.
 */
import { InvalidValueError } from './api-errors.js';

export interface ImageRef {
  readonly name: string;
  /** Absent: the caller's own namespace. */
  readonly owner?: string | undefined;
}

/** How the client's methods take an image: a ref, or `NAME` / `OWNER/NAME` as a user types it. */
export type ImageName = ImageRef | string;

const USER_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** Parses `NAME` or `OWNER/NAME`; `owner` (from `--owner`) applies to a bare `NAME`. Throws on a malformed name. */
export function parseImageRef(text: string, owner?: string): ImageRef {
  const parts = text.split('/');
  if (parts.length > 2) throw new InvalidValueError(`"${text}" is not an image name: use NAME or OWNER/NAME`);
  const [first = '', second] = parts;
  const name = second ?? first;
  const refOwner = second === undefined ? owner : first;
  if (second !== undefined && owner !== undefined && owner !== first) {
    throw new InvalidValueError(`"${text}" names the owner ${first} but --owner says ${owner}: give one`);
  }
  if (!IMAGE_NAME.test(name)) {
    throw new InvalidValueError(`"${name}" is not a valid image name (letters, digits, '.', '_', '-'; starting with a letter or digit)`);
  }
  if (refOwner !== undefined && !USER_NAME.test(refOwner)) throw new InvalidValueError(`"${refOwner}" is not a valid user name`);
  return refOwner === undefined ? { name } : { owner: refOwner, name };
}

export function refOf(image: ImageName): ImageRef {
  return typeof image === 'string' ? parseImageRef(image) : image;
}

/** `OWNER/NAME` or `NAME`, as a user types it. */
export function formatImageRef(ref: ImageRef): string {
  return ref.owner ? `${ref.owner}/${ref.name}` : ref.name;
}

export function imagePath(ref: ImageRef): string {
  return `/api/images/${refSegments(ref)}`;
}

export function rawImagePath(ref: ImageRef): string {
  return `/api/images/raw/${refSegments(ref)}`;
}

function refSegments(ref: ImageRef): string {
  return ref.owner ? `${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.name)}` : encodeURIComponent(ref.name);
}
