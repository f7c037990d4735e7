/**
 * Which images of a list go into its signed document, and why the others do not. An image is
 * published when it has bytes, has not expired, has its sha512 (computed in the background,
 * see `sha512-worker.ts`) and has a URI a subscriber can download without a credential.
 * `imageUriFor` is that last choice, kept in one place: a public image
 * (unauthenticated_access) is downloaded from its public URL (plain HTTP when that listener is
 * on, else HTTPS); a private one will use a download link (SPEC §3 "Download links"), which is
 * not wired in yet, so it is left out with that reason. The URLs themselves are the HTTP
 * layer's (`ImageListLinks`, made by `http/image-list-links.ts`).
 */
import type { ImageListStore } from '../metadata/image-list-store.js';
import type { ImageRecord, ImageStore } from '../metadata/image-store.js';
import { hasExpired } from './image-fields.js';

/** The URLs a signed list names, as the HTTP layer builds them. */
export interface ImageListLinks {
  /** The host name clients use (for a contact address when the owner has no email). */
  readonly host: string;
  /** The server's base URL (dc:source). */
  readonly source: string;
  /** The signed document of a list (its hv:uri). */
  document(owner: string, name: string): string;
  /** An image's record (ad:mpuri). */
  record(image: ImageRecord): string;
  /** A user's record (ad:user:uri). */
  user(name: string): string;
  /** Where anyone downloads a public image without a credential. */
  publicDownload(image: ImageRecord): string;
}

export type MemberState =
  | { readonly image: ImageRecord; readonly sha512: string; readonly uri: string; readonly published: true }
  | { readonly image: ImageRecord; readonly sha512: string | null; readonly published: false; readonly reason: string };

export const AWAITING_SHA512 = 'its sha512 is being computed in the background; it joins the signed list when done';
export const NEEDS_DOWNLOAD_LINK = 'needs a download link (not yet available): make the image public (unauthenticated_access) to publish it';

/** Where a subscriber downloads `image` without a credential, or why it cannot. */
export function imageUriFor(image: ImageRecord, links: ImageListLinks): { readonly uri: string } | { readonly reason: string } {
  if (!image.unauthenticatedAccess) return { reason: NEEDS_DOWNLOAD_LINK };
  return { uri: links.publicDownload(image) };
}

/** The state of every image of the list, ordered by owner then name. */
export async function memberStates(stores: { readonly imageLists: ImageListStore; readonly images: ImageStore }, listId: number, links: ImageListLinks, now = new Date()): Promise<MemberState[]> {
  const ids = await stores.imageLists.memberIds(listId);
  const images = (await Promise.all(ids.map((id) => stores.images.findById(id)))).filter((image): image is ImageRecord => image !== undefined);
  images.sort((a, b) => (a.owner === b.owner ? (a.name < b.name ? -1 : 1) : a.owner < b.owner ? -1 : 1));
  const sums = await stores.imageLists.sha512Of(images.flatMap((image) => (image.blobKey === null ? [] : [image.blobKey])));
  return images.map((image): MemberState => {
    const sha512 = image.blobKey === null ? null : (sums.get(image.blobKey) ?? null);
    const leftOut = (reason: string): MemberState => ({ image, sha512, published: false, reason });
    if (image.status !== 'ready' || image.blobKey === null) return leftOut('has no bytes yet: upload them first');
    if (hasExpired(image.expires, now)) return leftOut(`expired on ${image.expires}`);
    const target = imageUriFor(image, links);
    if ('reason' in target) return leftOut(target.reason);
    if (sha512 === null) return leftOut(AWAITING_SHA512);
    return { image, sha512, uri: target.uri, published: true };
  });
}
