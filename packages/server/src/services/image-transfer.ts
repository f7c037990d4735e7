/**
 * Image bytes (SPEC §3 "Image bytes"): the streamed upload that replaces an image's content
 * atomically, and the lookup a download starts with. An upload goes to a fresh blob-store
 * upload (invisible to readers), is hashed and counted on the way, compared with the digest
 * the client announced (422 CHECKSUM_MISMATCH, nothing changes), committed, and only then
 * made the image's content by one row update (`version = version + 1` in SQL: concurrent
 * uploads each count, the last to commit wins). Whatever fails or is cut, the upload is
 * cancelled in `finally`, so the previous content stays and no partial file is visible; a
 * committed blob that lost its row is left to the sweeper. Old blobs are never deleted here:
 * a key may be shared by other rows (identical content, clones). The disk format and virtual
 * size are found on the way too (`disk-format.ts`), from a copy of the first bytes only. The
 * owner's quota is claimed before the first byte is read (`quotas.ts`) and released once the
 * upload is done either way. Each upload is a new version; a download may ask for any kept one.
 */
import { Readable } from 'node:stream';
import type { ImageRecord, ImageVersion } from '../metadata/image-store.js';
import type { MetadataStores } from '../metadata/metadata-store.js';
import { BlobTooLargeError, UploadAbortedError, type BlobBody, type BlobStore, type ByteRange, type UploadSource } from '../storage/index.js';
import { hasExpired } from './image-fields.js';
import { imageLabel, locateImage, requireImageRight, requireWritable, type ImageRef } from './image-access.js';
import type { Caller } from './caller.js';
import { DiskFormatProbe } from './disk-format.js';
import { createQuotaService, UNLIMITED, type QuotaClaim, type QuotaDefaults } from './quotas.js';
import { RepomanError } from './repoman-error.js';
import { versionNotFound } from './image-versions.js';
import type { SharedImage } from './shared-image.js';
import { commitUpload } from './upload-commit.js';

export interface UploadRequest {
  /** The request body, not yet read (paused). It is never destroyed here. */
  readonly source: UploadSource;
  /** The announced Content-Length; null for a chunked body. */
  readonly length: number | null;
  /** The sha256 (lowercase hex) the client announced in the headers, if any. */
  readonly expectedSha256: string | undefined;
  /** The sha256 announced in the trailers (read once the body has ended), if any. */
  readonly trailerSha256?: (() => string | undefined) | undefined;
  /** Aborts the upload (the client went away). */
  readonly signal: AbortSignal;
}

/** What a download serves: the image's content (or one kept version's) as of the moment it was looked up. */
export interface ImageDownload {
  readonly image: ImageRecord;
  /** The version served. */
  readonly version: number;
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  readonly uploaded: Date;
}

/** 404 IMAGE_EMPTY: the image is a slot without bytes; the HTTP layer says where to upload them. */
export class ImageEmptyError extends RepomanError {
  readonly image: ImageRecord;

  constructor(image: ImageRecord) {
    super('IMAGE_EMPTY', `${imageLabel(image)} has no bytes yet`);
    this.image = image;
  }
}

/** What a download of the image's current content serves; undefined for a slot without bytes. */
export function downloadOf(image: ImageRecord): ImageDownload | undefined {
  if (image.status !== 'ready' || image.blobKey === null || image.size === null || image.checksum === null) return undefined;
  return { image, version: image.version, key: image.blobKey, size: image.size, sha256: image.checksum, uploaded: new Date(image.uploaded ?? image.modified) };
}

/** What a download of one kept version of the image serves. */
export function downloadOfVersion(image: ImageRecord, kept: ImageVersion): ImageDownload {
  return { image, version: kept.version, key: kept.blobKey, size: kept.size, sha256: kept.sha256, uploaded: new Date(kept.uploaded) };
}

export interface ImageTransferOptions {
  /** `limits.max_image_bytes`; 0: no limit. */
  readonly maxImageBytes: number;
  /** `[quotas]`; omitted: unlimited. */
  readonly quotas?: QuotaDefaults;
  /** `[images] keep_versions`; omitted or 0: every version is kept. */
  readonly keepVersions?: number;
  /** Told after every committed upload (the block-list worker looks for work). */
  readonly onCommitted?: () => void;
}

export type ImageTransferService = ReturnType<typeof createImageTransferService>;

/**
 * Lets a DiskFormatProbe see the chunks of `input` as the blob store takes them: a second
 * 'data' listener, so nothing is buffered or re-streamed. The source is paused first (a
 * listener would otherwise start the flow before the store listens); the store resumes it.
 * The listener goes as soon as the probe is done (after 64 KiB for most formats), so the rest
 * of the upload costs nothing.
 */
function probeDiskFormat(input: UploadSource): { source: Readable; probe: DiskFormatProbe; stopProbe: () => void } {
  const source = input instanceof Readable ? input : Readable.from(input, { objectMode: false });
  const probe = new DiskFormatProbe();
  const push = (chunk: Uint8Array): void => {
    probe.push(chunk);
    if (probe.done) source.off('data', push);
  };
  if (source.readableFlowing !== false) source.pause();
  source.on('data', push);
  return { source, probe, stopProbe: () => source.off('data', push) };
}

export function createImageTransferService(
  stores: Pick<MetadataStores, 'users' | 'images' | 'quotas'>,
  blobs: BlobStore,
  options: ImageTransferOptions,
) {
  const { images, users } = stores;
  const maxBytes = options.maxImageBytes > 0 ? options.maxImageBytes : undefined;
  const quotas = createQuotaService(stores.quotas, options.quotas ?? UNLIMITED);
  const keepVersions = options.keepVersions ?? 0;

  function tooLarge(): RepomanError {
    return new RepomanError('PAYLOAD_TOO_LARGE', `an image may hold at most ${maxBytes} bytes (limits.max_image_bytes)`, { unreadBody: true });
  }

  return {
    async upload(caller: Caller, ref: ImageRef, request: UploadRequest): Promise<SharedImage> {
      const located = await locateImage(stores, caller, ref);
      requireImageRight(located, 'upload');
      const { image } = located;
      requireWritable(image, 'upload to');
      if (maxBytes !== undefined && request.length !== null && request.length > maxBytes) throw tooLarge();

      // Quota (SPEC §3): an announced length is claimed before any byte is read; a chunked
      // body is cut where it would pass the quota, and claimed once its size is known.
      const owner = await users.findByName(image.owner);
      if (owner === undefined) throw new RepomanError('IMAGE_NOT_FOUND', `${imageLabel(image)} was deleted meanwhile`);
      const what = (size: number) => `an upload of ${size} bytes to ${imageLabel(image)}`;
      const claims: QuotaClaim[] = [];
      if (request.length !== null) {
        claims.push(await quotas.claim(owner, { bytes: request.length, images: 0, replacesImageId: image.id, keepVersions, what: what(request.length), unreadBody: true }));
      }
      const room = request.length === null ? await quotas.roomFor(owner, await stores.quotas.pushedOutBytes(image.id, keepVersions)) : undefined;
      const quotaCut = room !== undefined && (maxBytes === undefined || room < maxBytes);
      const limit = quotaCut ? room : maxBytes;

      const upload = await blobs.createUpload().catch(async (error: unknown) => {
        await Promise.all(claims.map((claim) => claim.release()));
        throw error;
      });
      const { source, probe, stopProbe } = probeDiskFormat(request.source);
      try {
        const written = await upload
          .write(source, { ...(limit !== undefined && { maxBytes: limit }), signal: request.signal })
          .catch((error: unknown) => {
            if (error instanceof BlobTooLargeError && quotaCut) {
              const message = `the upload to ${imageLabel(image)} passed the ${room} bytes left in ${owner.name}'s quota of ${quotas.limitsOf(owner).bytes} bytes; nothing was kept`;
              throw new RepomanError('QUOTA_EXCEEDED', message, { unreadBody: true });
            }
            if (error instanceof BlobTooLargeError) throw tooLarge();
            if (error instanceof UploadAbortedError) {
              // The caller said why it aborted (e.g. 408 after the body went idle).
              if (request.signal.reason instanceof RepomanError) throw request.signal.reason;
              throw new RepomanError('BAD_REQUEST', 'the upload ended before all its bytes arrived; nothing was changed', {
                cause: error,
                unreadBody: true,
              });
            }
            throw error;
          });
        const trailer = request.trailerSha256?.();
        if (trailer !== undefined && request.expectedSha256 !== undefined && trailer !== request.expectedSha256) {
          throw new RepomanError('BAD_REQUEST', 'the digest announced in the headers and the one in the trailers disagree; the image was not changed');
        }
        const claimQuota = async (size: number): Promise<void> => {
          claims.push(await quotas.claim(owner, { bytes: size, images: 0, replacesImageId: image.id, keepVersions, what: what(size) }));
        };
        return await commitUpload(images, image, {
          expectedSha256: trailer ?? request.expectedSha256,
          claimQuota: request.length === null ? claimQuota : undefined,
          commitBlob: async (check) => {
            await check(written);
            return upload.commit();
          },
          detect: () => probe.result(written.size),
          version: { ...(caller.kind === 'user' && { uploadedBy: caller.user.name }), keepVersions },
          onCommitted: options.onCommitted,
        });
      } finally {
        stopProbe();
        await Promise.all([upload.cancel(), ...claims.map((claim) => claim.release())]);
      }
    },

    /**
     * Looks up what a download of `ref` serves — its current content, or kept version
     * `version`: 404 IMAGE_EMPTY for a slot without bytes, 404 VERSION_NOT_FOUND for a version
     * not kept, 410 GONE after `expires` for anyone but the owner and admins.
     */
    async prepareDownload(caller: Caller, ref: ImageRef, version?: number): Promise<ImageDownload> {
      const { image, privileged } = await locateImage(stores, caller, ref);
      const refuseExpired = (): void => {
        if (!privileged && hasExpired(image.expires)) throw new RepomanError('GONE', `${imageLabel(image)} expired on ${image.expires}`);
      };
      if (version !== undefined) {
        refuseExpired();
        const kept = await images.findVersion(image.id, version);
        if (kept === undefined) throw versionNotFound(image, version);
        return downloadOfVersion(image, kept);
      }
      const download = downloadOf(image);
      if (download === undefined) throw new ImageEmptyError(image);
      refuseExpired();
      return download;
    },

    /**
     * Opens the bytes of a prepared download (whole, or an inclusive range checked against
     * its size). Resolves once the bytes are pinned: an upload committed afterwards does not
     * change what the stream yields.
     */
    openBytes(download: ImageDownload, range?: ByteRange): Promise<BlobBody> {
      return blobs.read(download.key, range);
    },
  };
}
