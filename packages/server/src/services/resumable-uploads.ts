/**
 * Resumable uploads (SPEC §3 "Resumable uploads (tus 1.0)"), the domain side: an upload is a
 * metadata row (`uploads` store: who, which image, announced length and digest, expiry) plus
 * the partial bytes in the blob store (`ResumableUpload`, found again by its handle), so any
 * instance continues it and a restart loses nothing durably written. create() checks what a
 * PUT checks before the first byte (upload right, read-only, `max_image_bytes`, the owner's
 * quota for the announced length: 413); append() takes the row's lease (of two racing PATCHes
 * one wins, the other is 409), checks the offset against the stored bytes, appends, records
 * the new offset and expiry even when the body is cut, and once the last byte is in commits
 * exactly as a PUT does (`upload-commit.ts`: digest 422, quota, blob commit, one row update).
 * The image's sha256 comes from the PATCH itself when one PATCH sent every byte (the common
 * case); otherwise the commit hashes the stored bytes in one pass (docs/performance.md).
 * Only the user who created an upload sees it; anybody else gets the same 404 as for an upload
 * that does not exist. Expired uploads go with their bytes (blob-sweeper.ts).
 * A delta re-save (SPEC §3 "Blocks") is an upload based on a kept version: its bytes start as
 * that version's, copied inside the storage; writeBlock() replaces the changed blocks, and the
 * empty PATCH at its end commits as any upload does, the whole sha256 checked. That sha256 may
 * come with the PATCH that completes an upload (`Repoman-Image-Checksum`) rather than at
 * creation, so a client creates the upload (the server copies) while it still hashes its file.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { BLOCK_LIST_BYTES } from '@repoman/bytes';
import type { ImageRecord } from '../metadata/image-store.js';
import type { MetadataStores } from '../metadata/metadata-store.js';
import type { UploadRecord } from '../metadata/upload-store.js';
import {
  AppendDigestError,
  BlobNotFoundError,
  BlobTooLargeError,
  BlockBoundaryError,
  OffsetMismatchError,
  UnsupportedUploadError,
  UploadAbortedError,
  type BlobRef,
  type BlobStore,
  type BlobWriteResult,
  type ResumableUpload,
  type UploadSource,
} from '../storage/index.js';
import type { Caller } from './caller.js';
import { requireUser } from './access.js';
import { DiskFormatProbe, type DiskFormatResult } from './disk-format.js';
import { imageLabel, locateImage, requireImageRight, requireWritable, type ImageRef } from './image-access.js';
import { versionNotFound } from './image-versions.js';
import { createQuotaService, UNLIMITED, type QuotaClaim, type QuotaDefaults } from './quotas.js';
import { RepomanError } from './repoman-error.js';
import type { SharedImage } from './shared-image.js';
import { commitUpload } from './upload-commit.js';

/** A PATCH holds its upload this long unless it renews (every third of it) while it runs. */
export const LEASE_TTL_MS = 15_000;

export interface ResumableUploadOptions {
  /** `limits.max_image_bytes`; 0: no limit. */
  readonly maxImageBytes: number;
  /** `limits.upload_expiry`: an upload untouched this long expires. */
  readonly expiryMs: number;
  readonly quotas?: QuotaDefaults;
  /** `[images] keep_versions`; omitted or 0: every version is kept. */
  readonly keepVersions?: number;
  /** Told after every committed upload (the block-list worker looks for work). */
  readonly onCommitted?: () => void;
}

export interface NewResumableUpload {
  /** `Upload-Length`. */
  readonly length: number;
  /** The sha256 of the whole image (lowercase hex), from `Upload-Metadata`, if given. */
  readonly expectedSha256: string | undefined;
  /** The raw `Upload-Metadata` header, kept for HEAD. */
  readonly metadata: string;
  /** `Repoman-Base-Version`: start from this version's bytes, copied in storage (a delta re-save). */
  readonly baseVersion?: number | undefined;
}

export interface BlockWrite {
  /** `Repoman-Block-Offset`: where the block goes, a multiple of BLOCK_LIST_BYTES. */
  readonly offset: number;
  readonly source: UploadSource;
  /** The body's Content-Length; null when chunked. */
  readonly length: number | null;
  readonly signal: AbortSignal;
}

export interface AppendRequest {
  /** `Upload-Offset`. */
  readonly offset: number;
  /** The body, not yet read. */
  readonly source: UploadSource;
  /** The body's Content-Length; null when chunked. */
  readonly length: number | null;
  /** The sha256 this PATCH's bytes must have (`Upload-Checksum`, header or trailer), if given. */
  readonly sha256?: string | (() => string | undefined) | undefined;
  /** The whole image's sha256 (`Repoman-Image-Checksum`), checked if this PATCH completes the upload. */
  readonly imageSha256?: string | undefined;
  /** Aborts the append (the client went away, the body went idle). */
  readonly signal: AbortSignal;
}

export interface UploadState {
  readonly upload: UploadRecord;
  /** The bytes durably stored now. */
  readonly offset: number;
}

export interface AppendResult extends UploadState {
  /** The image with its new version, once the last byte arrived and was committed. */
  readonly image?: SharedImage;
}

export type ResumableUploadService = ReturnType<typeof createResumableUploadService>;

function notFound(id: string): RepomanError {
  return new RepomanError('UPLOAD_NOT_FOUND', `no upload ${id} of yours is in progress (it finished, was cancelled or expired)`);
}

/** Reads the first bytes of a committed blob through the disk-format probe. */
async function probeBlob(blobs: BlobStore, blob: BlobRef): Promise<DiskFormatResult> {
  const probe = new DiskFormatProbe();
  if (blob.size > 0) {
    const body = await blobs.read(blob.key);
    try {
      for await (const chunk of body) {
        probe.push(chunk as Buffer);
        if (probe.done) break;
      }
    } finally {
      body.destroy();
    }
  }
  return probe.result(blob.size);
}

export function createResumableUploadService(
  stores: Pick<MetadataStores, 'users' | 'images' | 'quotas' | 'uploads'>,
  blobs: BlobStore,
  options: ResumableUploadOptions,
) {
  const { uploads, images, users } = stores;
  const maxBytes = options.maxImageBytes > 0 ? options.maxImageBytes : undefined;
  const quotas = createQuotaService(stores.quotas, options.quotas ?? UNLIMITED);
  const keepVersions = options.keepVersions;
  const expiry = (): string => new Date(Date.now() + options.expiryMs).toISOString();

  async function ownUpload(caller: Caller, id: string): Promise<UploadRecord> {
    const user = requireUser(caller);
    const upload = await uploads.find(id);
    // Someone else's upload answers as one that does not exist: it reveals nothing.
    if (upload === undefined || upload.userId !== user.user.id || upload.expires < new Date().toISOString()) throw notFound(id);
    return upload;
  }

  /** The upload's image as it is now; 404 when it was deleted (or its id reused). */
  async function imageOf(upload: UploadRecord): Promise<ImageRecord> {
    const image = await images.findById(upload.imageId);
    if (image === undefined || image.uuid !== upload.imageUuid) {
      throw new RepomanError('IMAGE_NOT_FOUND', 'the image of this upload was deleted; the upload was cancelled');
    }
    return image;
  }

  /** Removes the row and the bytes (the row first: nobody resumes an upload whose bytes are going). */
  async function discard(upload: UploadRecord): Promise<void> {
    await uploads.delete(upload.id);
    await blobs.openResumable(upload.storageHandle).cancel();
  }

  /** Commits the complete upload exactly as a PUT commits (upload-commit.ts). */
  async function commit(upload: UploadRecord, uploadedBy: string, known: BlobWriteResult | undefined, imageSha256: string | undefined): Promise<SharedImage> {
    if (imageSha256 !== undefined && upload.expectedSha256 !== null && imageSha256 !== upload.expectedSha256) {
      throw new RepomanError('CHECKSUM_MISMATCH', `Repoman-Image-Checksum (sha256 ${imageSha256}) is not the sha256 announced when the upload was created (${upload.expectedSha256}); the image was not changed`);
    }
    const image = await imageOf(upload);
    requireWritable(image, 'upload to');
    const owner = await users.findByName(image.owner);
    if (owner === undefined) throw new RepomanError('IMAGE_NOT_FOUND', `${imageLabel(image)} was deleted meanwhile`);
    const claims: QuotaClaim[] = [];
    try {
      return await commitUpload(images, image, {
        expectedSha256: imageSha256 ?? upload.expectedSha256 ?? undefined,
        claimQuota: async (size) => {
          claims.push(await quotas.claim(owner, { bytes: size, images: 0, replacesImageId: image.id, keepVersions, what: `an upload of ${size} bytes to ${imageLabel(image)}` }));
        },
        commitBlob: (check) => blobs.openResumable(upload.storageHandle).commit(check, known),
        detect: (blob) => probeBlob(blobs, blob),
        version: { uploadedBy, keepVersions },
        onCommitted: options.onCommitted,
      });
    } finally {
      await Promise.all(claims.map((claim) => claim.release()));
    }
  }

  /**
   * The stored bytes of a delta re-save: version `baseVersion`'s, copied inside the storage
   * and cut or grown to the new length. (The whole image's sha256, at creation or on the last
   * PATCH, proves at commit that the copied and the sent bytes together are the client's image.)
   */
  async function copyOfVersion(image: ImageRecord, request: NewResumableUpload): Promise<ResumableUpload> {
    const version = request.baseVersion!;
    const base = await images.findVersion(image.id, version);
    if (base === undefined) throw versionNotFound(image, version);
    if (blobs.createResumableFrom === undefined) {
      throw new RepomanError('NOT_IMPLEMENTED', "this server's storage cannot start an upload from a version's bytes; upload the whole image");
    }
    return blobs.createResumableFrom(base.blobKey, request.length).catch((error: unknown) => {
      // Dropped (and swept) meanwhile.
      if (error instanceof BlobNotFoundError) throw versionNotFound(image, version);
      if (error instanceof UnsupportedUploadError) throw new RepomanError('NOT_IMPLEMENTED', `${error.message}; upload the whole image`);
      throw error;
    });
  }

  return {
    /** Starts an upload to `ref` (SPEC §3): everything a PUT checks before its first byte. */
    async create(caller: Caller, ref: ImageRef, request: NewResumableUpload): Promise<UploadRecord> {
      const user = requireUser(caller);
      const located = await locateImage(stores, caller, ref);
      requireImageRight(located, 'upload');
      const { image } = located;
      requireWritable(image, 'upload to');
      if (maxBytes !== undefined && request.length > maxBytes) {
        throw new RepomanError('PAYLOAD_TOO_LARGE', `an image may hold at most ${maxBytes} bytes (limits.max_image_bytes); Upload-Length is ${request.length}`);
      }
      const owner = await users.findByName(image.owner);
      if (owner === undefined) throw new RepomanError('IMAGE_NOT_FOUND', `${imageLabel(image)} was deleted meanwhile`);
      // The quota is checked now, from Upload-Length (413 before any byte), and claimed again at commit.
      const claim = await quotas.claim(owner, { bytes: request.length, images: 0, replacesImageId: image.id, keepVersions, what: `an upload of ${request.length} bytes to ${imageLabel(image)}` });
      await claim.release();

      const stored = request.baseVersion === undefined ? await blobs.createResumable() : await copyOfVersion(image, request);
      try {
        return await uploads.create({
          baseVersion: request.baseVersion ?? null,
          id: randomBytes(16).toString('hex'),
          imageId: image.id,
          imageUuid: image.uuid,
          userId: user.user.id,
          length: request.length,
          expectedSha256: request.expectedSha256 ?? null,
          metadata: request.metadata,
          storageHandle: stored.handle,
          expires: expiry(),
        });
      } catch (error) {
        await stored.cancel();
        throw error;
      }
    },

    /** The upload and its offset (HEAD). */
    async status(caller: Caller, id: string): Promise<UploadState> {
      const upload = await ownUpload(caller, id);
      const offset = await blobs.openResumable(upload.storageHandle).offset().catch((error: unknown) => {
        if (error instanceof BlobNotFoundError) throw notFound(id);
        throw error;
      });
      return { upload, offset };
    },

    /**
     * Appends a PATCH's body at its offset (see the header); commits once the upload is
     * complete. A body cut or gone idle still records what was durably written, then rejects.
     */
    async append(caller: Caller, id: string, request: AppendRequest): Promise<AppendResult> {
      const upload = await ownUpload(caller, id);
      const room = upload.length - request.offset;
      if (request.offset > upload.length || (request.length !== null && request.length > room)) {
        throw new RepomanError('PAYLOAD_TOO_LARGE', `the upload is ${upload.length} bytes long: this PATCH would go past its end (Upload-Length)`, { unreadBody: true });
      }
      const token = randomUUID();
      if (!(await uploads.lease(upload.id, token, LEASE_TTL_MS))) {
        throw new RepomanError('UPLOAD_OFFSET_MISMATCH', 'another PATCH of this upload is running; ask with HEAD where it stands, then continue from there', { unreadBody: true });
      }
      const renewal = setInterval(() => void uploads.renewLease(upload.id, token, LEASE_TTL_MS).catch(() => {}), LEASE_TTL_MS / 3);
      const stored = blobs.openResumable(upload.storageHandle);
      let offset = request.offset;
      const expires = expiry();
      let known: BlobWriteResult | undefined;
      let ended = false;
      // The lease is held until the commit is done: a retried PATCH at the end cannot commit twice.
      try {
        try {
          const appended = await stored.append(request.offset, request.source, { maxBytes: room, signal: request.signal, ...(request.sha256 !== undefined && { sha256: request.sha256 }) });
          offset = appended.offset;
          // One PATCH with every byte: its digest is the image's, no second pass over the bytes.
          if (request.offset === 0) known = { size: offset, sha256: appended.sha256 };
        } catch (error) {
          // What is durably stored is the truth, whatever happened to this PATCH.
          offset = await stored.offset().catch(() => offset);
          throw appendError(error, request, upload);
        }
        if (offset < upload.length) return { upload: { ...upload, offset, expires }, offset };
        // Only the whole sha256 proves that the copied and the sent bytes are the client's image; the upload stays for a PATCH with it.
        if (upload.baseVersion !== null && upload.expectedSha256 === null && request.imageSha256 === undefined) {
          throw new RepomanError('BAD_REQUEST', "an upload based on a version commits with the whole image's sha256: send Repoman-Image-Checksum: sha256 <base64 of the 32 bytes> on this last PATCH (or sha256 in Upload-Metadata at creation)");
        }
        try {
          const image = await commit(upload, requireUser(caller).user.name, known, request.imageSha256);
          ended = await uploads.delete(upload.id);
          return { upload: { ...upload, offset, expires }, offset, image };
        } catch (error) {
          // A refused commit (digest 422, read-only, quota, image gone) ends the upload; a storage
          // or database failure leaves it, for an empty PATCH at the end to try again.
          if (error instanceof RepomanError) {
            await discard(upload);
            ended = true;
          }
          throw error;
        }
      } finally {
        clearInterval(renewal);
        // Nothing to record once the row is gone (committed or discarded).
        if (!ended) await uploads.release(upload.id, token, { offset, expires });
      }
    },

    /**
     * Writes a changed block of a delta re-save at its offset (a multiple of the block size),
     * under the upload's lease, never past its length. The upload stays complete in length; an
     * empty PATCH at `Upload-Offset: length` commits it, hashing every byte.
     */
    async writeBlock(caller: Caller, id: string, request: BlockWrite): Promise<UploadState & { readonly written: number }> {
      const upload = await ownUpload(caller, id);
      if (upload.baseVersion === null) {
        throw new RepomanError('CONFLICT', 'Repoman-Block-Offset writes into an upload based on a version (created with Repoman-Base-Version); append with Upload-Offset', { unreadBody: true });
      }
      if (request.offset % BLOCK_LIST_BYTES !== 0) {
        throw new RepomanError('BAD_REQUEST', `Repoman-Block-Offset must be a multiple of the block size ${BLOCK_LIST_BYTES}, not ${request.offset}`, { unreadBody: true });
      }
      const room = upload.length - request.offset;
      if (room < 0 || (request.length !== null && request.length > room)) {
        throw new RepomanError('PAYLOAD_TOO_LARGE', `the upload is ${upload.length} bytes long: this block would go past its end (Upload-Length)`, { unreadBody: true });
      }
      const token = randomUUID();
      if (!(await uploads.lease(upload.id, token, LEASE_TTL_MS))) {
        throw new RepomanError('UPLOAD_OFFSET_MISMATCH', 'another PATCH of this upload is running; send this block once it has finished', { unreadBody: true });
      }
      const renewal = setInterval(() => void uploads.renewLease(upload.id, token, LEASE_TTL_MS).catch(() => {}), LEASE_TTL_MS / 3);
      const expires = expiry();
      try {
        const stored = blobs.openResumable(upload.storageHandle);
        // At most its Content-Length: the store's copy of the base needs to be past these blocks only.
        const { written } = await stored.writeAt!(request.offset, request.source, { maxBytes: request.length ?? room, signal: request.signal }).catch((error: unknown) => {
          throw appendError(error, request, upload);
        });
        return { upload: { ...upload, expires }, offset: upload.length, written };
      } finally {
        clearInterval(renewal);
        await uploads.release(upload.id, token, { offset: upload.length, expires });
      }
    },

    /** Cancels an upload (tus termination): the row and the partial bytes go. */
    async cancel(caller: Caller, id: string): Promise<void> {
      const upload = await ownUpload(caller, id);
      await discard(upload);
    },

  };
}

/** The answer for an append that failed (after the offset was recorded). */
function appendError(error: unknown, request: Pick<AppendRequest, 'signal'>, upload: UploadRecord): unknown {
  if (error instanceof OffsetMismatchError) {
    return new RepomanError('UPLOAD_OFFSET_MISMATCH', `the upload stands at ${error.actual} bytes, not at Upload-Offset ${error.expected}; continue from ${error.actual}`, { unreadBody: true });
  }
  if (error instanceof BlobNotFoundError) return notFound(upload.id);
  if (error instanceof AppendDigestError) {
    return new RepomanError('PATCH_CHECKSUM_MISMATCH', `the bytes of this PATCH have sha256 ${error.actual}, not the ${error.expected} of Upload-Checksum; they were not kept, send them again`);
  }
  if (error instanceof BlockBoundaryError) {
    return new RepomanError('BAD_REQUEST', `a block is replaced whole: send the ${error.blockBytes} bytes from Repoman-Block-Offset (fewer only for the image's last block); the block was not changed`, { unreadBody: true });
  }
  if (error instanceof BlobTooLargeError) {
    return new RepomanError('PAYLOAD_TOO_LARGE', `the upload is ${upload.length} bytes long: this PATCH went past its end (Upload-Length); the bytes up to it were kept`, { unreadBody: true });
  }
  if (error instanceof UploadAbortedError) {
    if (request.signal.reason instanceof RepomanError) return request.signal.reason;
    return new RepomanError('BAD_REQUEST', 'the PATCH ended before all its bytes arrived; what arrived whole was kept: ask with HEAD and continue', { cause: error, unreadBody: true });
  }
  return error;
}
