/**
 * Image metadata: list, create, read, modify (rename, new owner, fields), delete and clone,
 * with the access rules of `image-access.ts`. Creating and cloning need image_create and put
 * the new image in the caller's namespace. Renaming is a row update (blobs are addressed by
 * content, not by name); giving an image to another user (`owner`) is for admins only.
 * A read-only image refuses modification (except one that clears read_only) and deletion
 * with 409 IMAGE_READ_ONLY. A clone is a new row naming the same blob: no byte is copied; it
 * starts with one version, the source's current one (not its history).
 * The bytes themselves are handled by `image-transfer.ts`. Two instances creating the same
 * image race on the unique (owner, name) constraint: one succeeds, the other answers 409.
 */
import type { DiskFormat, ImageSortName } from '@repoman/api';
import type { ImageListPosition, ImageQuery, ImageRecord, ImageSort } from '../metadata/image-store.js';
import type { MetadataStores, UserRecord } from '../metadata/metadata-store.js';
import { MissingReference, UniqueViolation } from '../metadata/store-errors.js';
import { hasPermission, requireAdmin, requirePermission, requireUser } from './access.js';
import type { Caller, UserCaller } from './caller.js';
import { hasExpired, toImageFields, type ImageFieldsInput } from './image-fields.js';
import { imageLabel, locateImage, requireImageRight, requireWritable, type ImageRef } from './image-access.js';
import { decodeCursor, encodeCursor } from './list-cursor.js';
import { checkAccountName, checkImageName } from './names.js';
import { RepomanError } from './repoman-error.js';
import { allWithShares, withShares, type SharedImage } from './shared-image.js';
import { createQuotaService, UNLIMITED, type QuotaDefaults } from './quotas.js';

export interface CreateImageInput extends ImageFieldsInput {
  readonly name: string;
}

export interface ModifyImageInput extends ImageFieldsInput {
  readonly name?: string | undefined;
  readonly owner?: string | undefined;
}

export interface ImageListFilters {
  /** Only this user's images. */
  readonly owner?: string | undefined;
  /** Only images shared with the caller (not its own, not merely public). */
  readonly shared?: boolean | undefined;
  /** Only images shared with this group. */
  readonly group?: string | undefined;
  /** Case-insensitive substring of the name or description. */
  readonly q?: string | undefined;
  /** Only public images (unauthenticated_access). */
  readonly public?: boolean | undefined;
  /** Only images whose os_type or os_variant is this, case-insensitively. */
  readonly os?: string | undefined;
  /** Only images of this disk format. */
  readonly format?: DiskFormat | undefined;
  /** The order (`IMAGE_SORTS`); default owner then name. */
  readonly sort?: ImageSortName | undefined;
}

/** Which page of a listing: `limit` images after `cursor` (keyset) or after `offset` (kept for old clients). */
export interface Paging {
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
  /** Opaque, from the previous page's `next`. */
  readonly cursor?: string | undefined;
}

export interface ImageListPage {
  readonly images: SharedImage[];
  readonly total: number;
  /** The cursor of the page after this one; null on the last page. */
  readonly next: string | null;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Checks `paging` and turns it into the store's limit, offset and keyset position (in the order `sort`). */
function pageQuery(paging: Paging, sort: ImageSortName): Pick<ImageQuery, 'limit' | 'offset' | 'after'> {
  const limit = paging.limit ?? DEFAULT_PAGE_SIZE;
  const offset = paging.offset ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RepomanError('BAD_REQUEST', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RepomanError('BAD_REQUEST', 'offset must be an integer >= 0');
  if (paging.cursor === undefined) return { limit, offset };
  if (paging.offset !== undefined) throw new RepomanError('BAD_REQUEST', 'give either cursor or offset, not both; cursor is faster');
  return { limit, offset: 0, after: decodeCursor(paging.cursor, sort) };
}

function sortOf(name: ImageSortName): ImageSort {
  const descending = name.startsWith('-');
  return { key: (descending ? name.slice(1) : name) as ImageSort['key'], descending };
}

/** Where `image` stands in the order `sort`: what the next page's cursor holds. */
function positionOf(image: ImageRecord, sort: ImageSort): ImageListPosition {
  const place = { owner: image.owner, name: image.name, id: image.id };
  if (sort.key === 'name') return { ...place, key: image.name };
  if (sort.key === 'uploaded') return { ...place, key: image.uploaded ?? '' };
  if (sort.key === 'size') return { ...place, key: image.size ?? -1 };
  return place;
}

export type ImageService = ReturnType<typeof createImageService>;

/** Admins and holders of image_modify or image_delete act on every image, so they see them all. */
function seesEveryImage(caller: UserCaller): boolean {
  return caller.isAdmin || hasPermission(caller, 'image_modify') || hasPermission(caller, 'image_delete');
}

export function createImageService(stores: Pick<MetadataStores, 'users' | 'groups' | 'images' | 'quotas'>, quotaDefaults: QuotaDefaults = UNLIMITED) {
  const quotas = createQuotaService(stores.quotas, quotaDefaults);
  const { users, groups, images } = stores;

  async function userNamed(name: string): Promise<UserRecord> {
    checkAccountName('user', name);
    const user = await users.findByName(name);
    if (user === undefined) throw new RepomanError('USER_NOT_FOUND', `no user is named ${name}`);
    return user;
  }

  /** What a caller may list: a registered user what it can read; an anonymous HTTPS caller (the web UI without a certificate) public images only. */
  function visibleTo(caller: Caller, filters: Pick<ImageQuery, 'sharedWith'>): Partial<ImageQuery> {
    if (caller.kind === 'anonymous' && !caller.plainHttp && filters.sharedWith === undefined) return { publicOnly: true };
    const viewer = requireUser(caller);
    // The viewer's per-request VOMS groups; not when the listing is about another user's shares.
    const viaGroups = filters.sharedWith === undefined || filters.sharedWith === viewer.user.id ? viewer.vomsGroups.map((group) => group.id) : [];
    return { ...(!seesEveryImage(viewer) && { readableBy: viewer.user.id }), viaGroups };
  }

  async function page(caller: Caller, filters: Omit<ImageQuery, 'readableBy' | 'limit' | 'offset' | 'after' | 'sort'>, paging: Paging, sortName: ImageSortName = 'owner'): Promise<ImageListPage> {
    const sort = sortOf(sortName);
    const query = { ...filters, ...pageQuery(paging, sortName), ...visibleTo(caller, filters), ...(sort.key !== 'owner' && { sort }) };
    const result = await images.list(query);
    const last = result.images.at(-1);
    return {
      images: await allWithShares(images, result.images),
      total: result.total,
      next: result.more && last !== undefined ? encodeCursor(positionOf(last, sort), sortName) : null,
    };
  }

  const taken = (owner: string, name: string) => (error: unknown): never => {
    if (error instanceof UniqueViolation) throw new RepomanError('CONFLICT', `${owner} already has an image named ${name}`, { cause: error });
    if (error instanceof MissingReference) throw new RepomanError('USER_NOT_FOUND', `the user ${owner} was deleted meanwhile`, { cause: error });
    throw error;
  };

  return {
    /** The images the caller can see (own, shared with it, public; every image for admins; public only for anonymous), filtered and paged. */
    async list(caller: Caller, filters: ImageListFilters, paging: Paging): Promise<ImageListPage> {
      // Only "shared with me" needs a registered user; anonymous callers see public images (visibleTo).
      const viewer = filters.shared === true ? requireUser(caller) : null;
      let sharedWithGroup: number | undefined;
      if (filters.group !== undefined) {
        checkAccountName('group', filters.group);
        const group = await groups.findByName(filters.group);
        if (group === undefined) throw new RepomanError('GROUP_NOT_FOUND', `no group is named ${filters.group}`);
        sharedWithGroup = group.id;
      }
      return page(
        caller,
        {
          ...(filters.owner !== undefined && { ownerId: (await userNamed(filters.owner)).id }),
          ...(viewer !== null && { sharedWith: viewer.user.id }),
          ...(filters.public === true && { publicOnly: true }),
          ...(filters.os !== undefined && filters.os !== '' && { os: filters.os }),
          ...(filters.format !== undefined && { diskFormat: filters.format }),
          ...(sharedWithGroup !== undefined && { sharedWithGroup }),
          ...(filters.q !== undefined && { text: filters.q }),
        },
        paging,
        filters.sort,
      );
    },

    /** `GET /api/users/{user}/images`: that user's images the caller can see. */
    async imagesOf(caller: Caller, userName: string, paging: Paging): Promise<ImageListPage> {
      requireUser(caller);
      const owner = await userNamed(userName);
      return page(caller, { ownerId: owner.id }, paging);
    },

    /** `GET /api/users/{user}/shared`: images shared with that user (directly or through a group) the caller can see. */
    async sharedWith(caller: Caller, userName: string, paging: Paging): Promise<ImageListPage> {
      requireUser(caller);
      const sharee = await userNamed(userName);
      return page(caller, { sharedWith: sharee.id }, paging);
    },

    /** A new empty slot in the caller's namespace. */
    async create(caller: Caller, input: CreateImageInput): Promise<SharedImage> {
      const creator = requirePermission(caller, 'image_create');
      checkImageName(input.name);
      const fields = toImageFields(input);
      const claim = await quotas.claim(creator.user, { bytes: 0, images: 1, what: `a new image ${creator.user.name}/${input.name}` });
      try {
        const image = await images.create({ ownerId: creator.user.id, name: input.name, ...fields }).catch(taken(creator.user.name, input.name));
        return withShares(images, image);
      } finally {
        await claim.release();
      }
    },

    async get(caller: Caller, ref: ImageRef): Promise<SharedImage> {
      // Anonymous callers read public records on HTTPS only (the web UI); plain HTTP serves bytes alone.
      if (caller.kind === 'anonymous' && caller.plainHttp) requireUser(caller);
      return withShares(images, (await locateImage(stores, caller, ref)).image);
    },

    async modify(caller: Caller, ref: ImageRef, input: ModifyImageInput): Promise<SharedImage> {
      const actor = requireUser(caller);
      if (input.name !== undefined) checkImageName(input.name);
      if (input.owner !== undefined) checkAccountName('user', input.owner);
      const fields = toImageFields(input);
      const located = await locateImage(stores, caller, ref);
      requireImageRight(located, 'modify');
      const { image } = located;
      if (input.read_only !== false) requireWritable(image, 'modify');
      let newOwner: UserRecord | undefined;
      if (input.owner !== undefined && input.owner !== image.owner) {
        requireAdmin(actor, 'give an image to another user');
        newOwner = await userNamed(input.owner);
      }
      const changes = {
        ...fields,
        ...(input.name !== undefined && input.name !== image.name && { name: input.name }),
        ...(newOwner !== undefined && { ownerId: newOwner.id }),
      };
      if (Object.values(changes).every((value) => value === undefined)) return withShares(images, image);
      const changed = await images.update(image.id, changes).catch(taken(newOwner?.name ?? image.owner, input.name ?? image.name));
      if (changed === undefined) throw new RepomanError('IMAGE_NOT_FOUND', `${imageLabel(image)} was deleted meanwhile`);
      return withShares(images, changed);
    },

    /** Deletes the row and its shares; the blob is removed by the sweeper once no row names it. */
    async delete(caller: Caller, ref: ImageRef): Promise<void> {
      const located = await locateImage(stores, caller, ref);
      requireImageRight(located, 'delete');
      requireWritable(located.image, 'delete');
      if (!(await images.delete(located.image.id))) {
        throw new RepomanError('IMAGE_NOT_FOUND', `${imageLabel(located.image)} was deleted meanwhile`);
      }
    },

    /**
     * A copy in the caller's namespace under `name`: same metadata and bytes (the same blob),
     * private, writable, without expiry or shares. Whoever may read an image may clone it.
     */
    async clone(caller: Caller, ref: ImageRef, name: string): Promise<SharedImage> {
      const cloner = requirePermission(caller, 'image_create');
      checkImageName(name);
      const { image, privileged } = await locateImage(stores, caller, ref);
      if (!privileged && hasExpired(image.expires)) throw new RepomanError('GONE', `${imageLabel(image)} expired on ${image.expires}`);
      const content =
        image.status === 'ready' && image.blobKey !== null && image.size !== null && image.checksum !== null
          ? {
              blobKey: image.blobKey,
              size: image.size,
              checksum: image.checksum,
              uploaded: image.uploaded ?? image.modified,
              // The clone starts with one version, the source's current one, made by the cloner.
              version: 1,
              uploadedBy: cloner.user.name,
              diskFormat: image.diskFormat,
              virtualSize: image.virtualSize,
            }
          : undefined;
      const claim = await quotas.claim(cloner.user, { bytes: content?.size ?? 0, images: 1, what: `a clone of ${content?.size ?? 0} bytes named ${cloner.user.name}/${name}` });
      const clone = await images
        .create({
          ownerId: cloner.user.id,
          name,
          description: image.description,
          osVariant: image.osVariant,
          osType: image.osType,
          osArch: image.osArch,
          hypervisor: image.hypervisor,
          minDisk: image.minDisk,
          minRam: image.minRam,
          ...(content !== undefined && { content }),
        })
        .catch(taken(cloner.user.name, name))
        .finally(() => claim.release());
      return withShares(images, clone);
    },
  };
}
