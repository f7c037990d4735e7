/**
 * The URLs a HEPiX image list names (`ImageListLinks` of the image list service), built from
 * the base URLs of the request (`file-links.ts`: `server.public_url`, else the request's Host):
 * the list's signed document, an image's and a user's record, a version of an image's public
 * download (plain HTTP when that listener is on, else HTTPS), and a download link (HTTPS: its
 * token is a secret); and finds the links' tokens in a signed document again.
 */
import type { ImageListLinks } from '../services/image-list-members.js';
import { rawPath, type FileLinks } from './image-views.js';
import { LINK_PREFIX } from './link-url.js';

const segment = encodeURIComponent;
/** A download link's URL in a signed document: its token (base64url, 43 characters). */
const LINK_TOKEN = new RegExp(`${LINK_PREFIX}([A-Za-z0-9_-]{43})`, 'g');

/** The path of a list's signed document. */
export function imageListPath(owner: string, name: string): string {
  return `/api/imagelists/${segment(owner)}/${segment(name)}/image.list`;
}

export function imageListLinks(links: FileLinks): ImageListLinks {
  let host: string;
  try {
    host = new URL(links.https).hostname;
  } catch {
    host = 'localhost';
  }
  return {
    host,
    source: `${links.https}/`,
    document: (owner, name) => `${links.https}${imageListPath(owner, name)}`,
    record: (image) => `${links.https}/api/images/${segment(image.owner)}/${segment(image.name)}`,
    user: (name) => `${links.https}/api/users/${segment(name)}`,
    publicDownload: (image, version) => `${links.http ?? links.https}${rawPath(image.owner, image.name)}?version=${version}`,
    link: (token) => `${links.https}${LINK_PREFIX}${token}`,
    tokensIn: (text) => [...text.matchAll(LINK_TOKEN)].map((match) => match[1]!),
  };
}
