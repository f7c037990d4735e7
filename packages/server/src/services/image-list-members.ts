/**
 * Which images of a list go into its signed document, at which version, and why the others do
 * not. An image is published when its list's owner can still read it (checked at every
 * signature: an image unshared from the owner leaves), it has bytes, has not expired, and one
 * of its kept versions has its sha512 (computed in the background, see `sha512-worker.ts`):
 * the document states the newest such version, so that right after a re-upload the previous
 * version stays listed until the new one's sha512 is ready. `imageUriFor` is where a subscriber
 * downloads that version without a credential, kept in one place: a public image
 * (unauthenticated_access) from its public URL with `?version=n` (plain HTTP when that
 * listener is on, else HTTPS); a private one through a download link pinned to that version
 * (SPEC §3 "Download links"; `image-list-link-tokens.ts` makes and reuses them). The URLs
 * themselves are the HTTP layer's (`ImageListLinks`, made by `http/image-list-links.ts`).
 */
import type { ImageListStore } from '../metadata/image-list-store.js';
import type { ImageRecord, ImageStore, ImageVersion } from '../metadata/image-store.js';
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
  /** Where anyone downloads version `version` of a public image without a credential. */
  publicDownload(image: ImageRecord, version: number): string;
  /** The URL of a download link. */
  link(token: string): string;
  /** The tokens of the download links named in `text` (a signed document). */
  tokensIn(text: string): string[];
}

export type MemberState =
  /** `pinned`: the version the document states (the newest whose sha512 is known), its sha512 `sha512`. */
  | { readonly image: ImageRecord; readonly pinned: ImageVersion; readonly sha512: string; readonly published: true }
  | { readonly image: ImageRecord; readonly sha512: string | null; readonly published: false; readonly reason: string };

export type PublishedMember = Extract<MemberState, { published: true }>;

export const AWAITING_SHA512 = 'its sha512 is being computed in the background; it joins the signed list when done';
export const OWNER_CANNOT_READ = "the list's owner can no longer read it (it was unshared or made private): share it with the owner again, or remove it from the list";

/** The token of a download link for `member`'s pinned version; null: none yet (see `image-list-link-tokens.ts`). */
export type LinkTokenFor = (member: PublishedMember) => Promise<string | null>;

/** Where a subscriber downloads `member`'s pinned version without a credential; null while its link is not made yet. */
export async function imageUriFor(member: PublishedMember, links: ImageListLinks, tokenFor: LinkTokenFor): Promise<string | null> {
  if (member.image.unauthenticatedAccess) return links.publicDownload(member.image, member.pinned.version);
  const token = await tokenFor(member);
  return token === null ? null : links.link(token);
}

/** The state of every image of the list, ordered by owner then name; `readable`: whether the list's owner may read an image. */
export async function memberStates(
  stores: { readonly imageLists: ImageListStore; readonly images: ImageStore },
  listId: number,
  readable: (image: ImageRecord) => Promise<boolean>,
  now = new Date(),
): Promise<MemberState[]> {
  const ids = await stores.imageLists.memberIds(listId);
  const images = (await Promise.all(ids.map((id) => stores.images.findById(id)))).filter((image): image is ImageRecord => image !== undefined);
  images.sort((a, b) => (a.owner === b.owner ? (a.name < b.name ? -1 : 1) : a.owner < b.owner ? -1 : 1));
  const versions = await Promise.all(images.map((image) => (image.blobKey === null ? [] : stores.images.listVersions(image.id))));
  const sums = await stores.imageLists.sha512Of([...new Set(versions.flat().map((version) => version.blobKey))]);
  return Promise.all(
    images.map(async (image, index): Promise<MemberState> => {
      const sha512 = image.blobKey === null ? null : (sums.get(image.blobKey) ?? null);
      const leftOut = (reason: string): MemberState => ({ image, sha512, published: false, reason });
      if (!(await readable(image))) return leftOut(OWNER_CANNOT_READ);
      if (image.status !== 'ready' || image.blobKey === null) return leftOut('has no bytes yet: upload them first');
      if (hasExpired(image.expires, now)) return leftOut(`expired on ${image.expires}`);
      // Newest first: the newest version whose sha512 is known.
      const pinned = versions[index]!.find((version) => sums.has(version.blobKey));
      if (pinned === undefined) return leftOut(AWAITING_SHA512);
      return { image, pinned, sha512: sums.get(pinned.blobKey)!, published: true };
    }),
  );
}
