/**
 * Image versions (SPEC §3 "Versions"): every completed upload is a version; the newest
 * `[images] keep_versions` are kept. This service lists them, drops one (never the current
 * one: 409), and rolls back: the bytes of a kept version become current again as a new
 * version naming the same blob (no byte copied), atomically, the history kept. Reading the
 * versions needs the right to read the image; dropping one and rolling back need the right to
 * upload to it, and a read-only image refuses both (409). A rollback stores no byte, so it is
 * not checked against the quota, though its version row counts like any other until dropped.
 */
import type { ImageRecord, ImageVersion } from '../metadata/image-store.js';
import type { MetadataStores } from '../metadata/metadata-store.js';
import type { Caller } from './caller.js';
import { imageLabel, locateImage, requireImageRight, requireWritable, type ImageRef } from './image-access.js';
import { RepomanError } from './repoman-error.js';
import { withShares, type SharedImage } from './shared-image.js';

/** 404 VERSION_NOT_FOUND for `version` of `image`. */
export function versionNotFound(image: ImageRecord, version: number): RepomanError {
  return new RepomanError('VERSION_NOT_FOUND', `${imageLabel(image)} keeps no version ${version}; list its versions with GET …/versions`);
}

export interface ImageVersions {
  readonly image: ImageRecord;
  /** Newest first. */
  readonly versions: readonly ImageVersion[];
}

export interface ImageVersionOptions {
  /** `[images] keep_versions`; omitted or 0: every version is kept. */
  readonly keepVersions?: number;
}

export type ImageVersionService = ReturnType<typeof createImageVersionService>;

export function createImageVersionService(stores: Pick<MetadataStores, 'users' | 'images'>, options: ImageVersionOptions = {}) {
  const { images } = stores;
  const keepVersions = options.keepVersions ?? 0;

  async function locateForChange(caller: Caller, ref: ImageRef, action: string): Promise<ImageRecord> {
    const located = await locateImage(stores, caller, ref);
    requireImageRight(located, 'upload');
    requireWritable(located.image, action);
    return located.image;
  }

  return {
    async list(caller: Caller, ref: ImageRef): Promise<ImageVersions> {
      const { image } = await locateImage(stores, caller, ref);
      return { image, versions: await images.listVersions(image.id) };
    },

    async remove(caller: Caller, ref: ImageRef, version: number): Promise<void> {
      const image = await locateForChange(caller, ref, 'drop a version of');
      const result = await images.deleteVersion(image.id, version);
      if (result === 'current') {
        throw new RepomanError('CONFLICT', `version ${version} is the current content of ${imageLabel(image)}; upload or roll back to another version first`);
      }
      if (result === 'missing') throw versionNotFound(image, version);
    },

    async rollback(caller: Caller, ref: ImageRef, version: number): Promise<SharedImage> {
      const image = await locateForChange(caller, ref, 'roll back');
      const result = await images.rollback(image.id, version, { ...(caller.kind === 'user' && { uploadedBy: caller.user.name }), keepVersions });
      switch (result.kind) {
        case 'done':
          return withShares(images, result.image);
        case 'version-missing':
          throw versionNotFound(image, version);
        case 'read-only':
          throw new RepomanError('IMAGE_READ_ONLY', `${imageLabel(image)} was made read-only meanwhile; clear its read_only flag first to roll back`);
        case 'image-missing':
          throw new RepomanError('IMAGE_NOT_FOUND', `${imageLabel(image)} was deleted meanwhile`);
      }
    },
  };
}
