/**
 * What the image services answer for one image: its record and whom it is shared with. The
 * HTTP layer renders it as the API's image record (`http/image-views.ts`), adding the download
 * URLs only it knows.
 */
import type { ImageRecord, ImageShares, ImageStore } from '../metadata/image-store.js';

export interface SharedImage {
  readonly image: ImageRecord;
  readonly shares: ImageShares;
}

const NO_SHARES: ImageShares = { users: [], groups: [] };

/** `image` with its shares as stored now. */
export async function withShares(images: Pick<ImageStore, 'sharesOf'>, image: ImageRecord): Promise<SharedImage> {
  return { image, shares: (await images.sharesOf([image.id])).get(image.id) ?? NO_SHARES };
}

/** Several images with their shares, in one query. */
export async function allWithShares(images: Pick<ImageStore, 'sharesOf'>, list: readonly ImageRecord[]): Promise<SharedImage[]> {
  const shares = await images.sharesOf(list.map((image) => image.id));
  return list.map((image) => ({ image, shares: shares.get(image.id) ?? NO_SHARES }));
}
