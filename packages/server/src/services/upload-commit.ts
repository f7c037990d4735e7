/**
 * The end every upload shares, a PUT's or a resumable (tus) one's (SPEC §3 "Image bytes"):
 * once the bytes are stored, their digest is compared with the announced one (422
 * CHECKSUM_MISMATCH, nothing changes), the quota is claimed for their size when it was not
 * before, the blob is committed, and only then the image row is switched to it by one update
 * (`recordUpload`, a new version); an image deleted or made read-only meanwhile answers 404 or 403 and keeps
 * what it had (the committed blob is left to the sweeper). Written once so that both kinds of
 * upload commit exactly alike.
 */
import type { ImageRecord, ImageStore, NewVersionOptions } from '../metadata/image-store.js';
import type { BlobRef, BlobWriteResult } from '../storage/index.js';
import type { DiskFormatResult } from './disk-format.js';
import { imageLabel } from './image-access.js';
import { RepomanError } from './repoman-error.js';
import { withShares, type SharedImage } from './shared-image.js';

export interface UploadCommit {
  /** The sha256 (lowercase hex) the client announced, if any. */
  readonly expectedSha256: string | undefined;
  /** Claims the owner's quota for the size now known, when no claim was taken before. */
  readonly claimQuota?: ((size: number) => Promise<void>) | undefined;
  /** Commits the stored bytes once `check` accepted their size and digest. */
  readonly commitBlob: (check: (written: BlobWriteResult) => Promise<void>) => Promise<BlobRef>;
  /** The disk format of the committed bytes. */
  readonly detect: (blob: BlobRef) => DiskFormatResult | Promise<DiskFormatResult>;
  /** Who uploaded, and how many versions the image keeps. */
  readonly version: NewVersionOptions;
  /** Told once the image row names the new blob. */
  readonly onCommitted?: (() => void) | undefined;
}

export async function commitUpload(images: ImageStore, image: ImageRecord, steps: UploadCommit): Promise<SharedImage> {
  const expected = steps.expectedSha256;
  const blob = await steps.commitBlob(async (written) => {
    if (expected !== undefined && expected !== written.sha256) {
      throw new RepomanError(
        'CHECKSUM_MISMATCH',
        `the ${written.size} bytes received have sha256 ${written.sha256}, not the announced ${expected}; the image was not changed`,
      );
    }
    await steps.claimQuota?.(written.size);
  });
  const updated = await images.recordUpload(image.id, { ...blob, detected: await steps.detect(blob) }, steps.version);
  if (updated !== undefined) {
    steps.onCommitted?.();
    return withShares(images, updated);
  }
  const now = await images.findById(image.id);
  if (now === undefined) throw new RepomanError('IMAGE_NOT_FOUND', `${imageLabel(image)} was deleted during the upload`);
  throw new RepomanError('IMAGE_READ_ONLY', `${imageLabel(image)} was made read-only during the upload; it was not changed`);
}
