/**
 * The metadata store contract for images: the image rows, who they are shared with, and the
 * queries the services need (find by owner and name, the listing with its visibility rule,
 * the blob keys still referenced). `sql-image-store.ts` implements it with kysely for every
 * SQL dialect. Like the account stores it enforces uniqueness and referential integrity only:
 * permission checks and name rules belong to the services. The bytes themselves live in the
 * blob store; a row only names its blob by key, and several rows may name the same key
 * (identical content, clones), so a row change never deletes a blob (the sweeper does).
 * Like every store, it is safe under several server instances: a lost race throws UniqueViolation
 * or MissingReference (`store-errors.ts`), never an engine error. Each completed upload, clone
 * and rollback is also a version row (SPEC §3 "Versions"); the image row holds a copy of the
 * current one (the highest number), so reads of the current content need no join.
 */

export type ImageStatus = 'empty' | 'ready';

export interface ImageRecord {
  readonly id: number;
  readonly ownerId: number;
  /** The owner's user name (joined from users). */
  readonly owner: string;
  readonly name: string;
  readonly uuid: string;
  readonly description: string;
  readonly osVariant: string;
  readonly osType: string;
  readonly osArch: string;
  readonly hypervisor: string;
  /** Bytes of the current content; null while empty. */
  readonly size: number | null;
  /** sha256 of the current content, lowercase hex; null while empty. */
  readonly checksum: string | null;
  /** Blob store key of the current content; null while empty. */
  readonly blobKey: string | null;
  /** Number of completed uploads (and rollbacks): the current version's number. */
  readonly version: number;
  /** How many versions are kept (0 for an empty slot). */
  readonly versions: number;
  readonly status: ImageStatus;
  readonly created: string;
  readonly uploaded: string | null;
  readonly modified: string;
  readonly expires: string | null;
  readonly readOnly: boolean;
  readonly unauthenticatedAccess: boolean;
  /** One of SPEC §3's formats (services/disk-format.ts checks them); null: unknown (no upload since migration 0004, or an empty slot). */
  readonly diskFormat: string | null;
  /** Guest disk size in bytes from the bytes' header (the size for raw); null when unknown. */
  readonly virtualSize: number | null;
  /** GB and MB the image needs (Glance's); 0: not said. */
  readonly minDisk: number;
  readonly minRam: number;
}

/** The metadata fields a user sets on create and modify. */
export interface ImageFields {
  readonly description?: string;
  readonly osVariant?: string;
  readonly osType?: string;
  readonly osArch?: string;
  readonly hypervisor?: string;
  readonly expires?: string | null;
  readonly readOnly?: boolean;
  readonly unauthenticatedAccess?: boolean;
  /** Set by the uploader: later uploads keep it instead of detecting. null: detect again from the next upload. */
  readonly diskFormat?: string | null;
  readonly minDisk?: number;
  readonly minRam?: number;
}

/** Content a new row starts with (a clone): the source's blob, taken as is. */
export interface ImageContent {
  /** Who makes it (the cloner's name): its version row's `uploadedBy`. */
  readonly uploadedBy?: string;
  readonly blobKey: string;
  readonly size: number;
  readonly checksum: string;
  readonly uploaded: string;
  readonly version: number;
  readonly diskFormat?: string | null;
  readonly virtualSize?: number | null;
}

export interface NewImage extends ImageFields {
  readonly ownerId: number;
  readonly name: string;
  /** Omitted: an empty slot (status "empty", version 0). */
  readonly content?: ImageContent;
}

export interface ImageChanges extends ImageFields {
  readonly name?: string;
  readonly ownerId?: number;
}

/** A committed blob to make an image's content. */
export interface UploadedBlob {
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  /** What the bytes were detected as; kept out of the record when the uploader set the format. */
  readonly detected?: { readonly diskFormat: string; readonly virtualSize: number | null };
}

/** One kept version of an image's content. */
export interface ImageVersion {
  readonly version: number;
  readonly blobKey: string;
  readonly size: number;
  readonly sha256: string;
  readonly diskFormat: string | null;
  readonly virtualSize: number | null;
  /** ISO 8601 UTC. */
  readonly uploaded: string;
  /** The uploader's user name; null for versions older than the versions upgrade (0006). */
  readonly uploadedBy: string | null;
}

/** How a new version is recorded. */
export interface NewVersionOptions {
  /** The caller's user name, kept with the version. */
  readonly uploadedBy?: string;
  /** `[images] keep_versions`: older versions than the last this many are dropped; 0 or absent: keep all. */
  readonly keepVersions?: number;
}

export type RollbackResult =
  | { readonly kind: 'done'; readonly image: ImageRecord }
  /** The image row is gone, or the version is not kept. */
  | { readonly kind: 'image-missing' | 'version-missing' | 'read-only' };

export type DeleteVersionResult = 'deleted' | 'current' | 'missing';

export interface ImageShares {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

/** The listing's filters; all given ones apply together. */
export interface ImageQuery {
  /**
   * Only images this user may read: its own, those shared with it directly or through one of
   * its groups, and public ones (unauthenticated_access). Omitted: every image.
   */
  readonly readableBy?: number;
  readonly ownerId?: number;
  /** Only images shared with this user, directly or through one of its groups (never its own). */
  readonly sharedWith?: number;
  /** Only images shared with this group. */
  readonly sharedWithGroup?: number;
  /**
   * Groups the user of `readableBy` / `sharedWith` belongs to for this request only (through
   * its VOMS attributes), counted as if it were a stored member.
   */
  readonly viaGroups?: readonly number[];
  /** Case-insensitive substring of the name or the description. */
  readonly text?: string;
  /** Only public images (unauthenticated_access). */
  readonly publicOnly?: boolean;
  /** Only images whose os_type or os_variant equals this, case-insensitively. */
  readonly os?: string;
  /** Only images of this disk format. */
  readonly diskFormat?: string;
  /** The order: by this key, then owner name, image name and id; `descending` reverses all of them. Omitted: owner, name, id. */
  readonly sort?: ImageSort;
  readonly limit: number;
  /** Rows skipped (after `after`, when both are given). */
  readonly offset: number;
  /**
   * Keyset paging: only rows after this one in the listing's order, so that a deep page costs
   * what the first does and rows inserted or deleted meanwhile shift nothing.
   */
  readonly after?: ImageListPosition;
}

export interface ImageSort {
  readonly key: 'owner' | 'name' | 'uploaded' | 'size';
  readonly descending: boolean;
}

/** A row's place in the listing's order: its sort key (uploaded, size; '' / -1 when none), owner name, image name (byte order), then id. */
export interface ImageListPosition {
  readonly key?: string | number;
  readonly owner: string;
  readonly name: string;
  readonly id: number;
}

export interface ImagePage {
  /** Ordered by owner name, then image name, then id. */
  readonly images: readonly ImageRecord[];
  /** How many images match the query (without `after` and `offset`), all pages together. */
  readonly total: number;
  /** Whether rows follow the last one of this page. */
  readonly more: boolean;
}

export interface ImageStore {
  /**
   * Inserts a row with a new UUID. Throws UniqueViolation when the owner has an image of that
   * name, MissingReference when the owner is gone.
   */
  create(image: NewImage): Promise<ImageRecord>;
  /** The image named `name` in the namespace of user `ownerId`, or undefined. */
  find(ownerId: number, name: string): Promise<ImageRecord | undefined>;
  findById(id: number): Promise<ImageRecord | undefined>;
  /**
   * Applies the changes and bumps `modified`; undefined when the row is gone. Throws
   * UniqueViolation when the new name (in the new owner's namespace) is taken,
   * MissingReference when the new owner is gone.
   */
  update(id: number, changes: ImageChanges): Promise<ImageRecord | undefined>;
  /**
   * Makes `blob` the image's content in one statement: key, size, checksum, status "ready",
   * `uploaded` and `modified` now, and `version = version + 1` computed by the database, so
   * that concurrent uploads each count and the last one to commit wins; the record returned
   * is the one this upload made (read in the same transaction). With `detected`, the format
   * (unless the uploader set one) and the virtual size are the bytes'. Does nothing and returns
   * undefined when the row is gone or has become read-only meanwhile. In the same transaction
   * the new version row is inserted (numbered as the row now is) and versions beyond
   * `keepVersions` are dropped (their blobs are left to the sweeper).
   */
  recordUpload(id: number, blob: UploadedBlob, options?: NewVersionOptions): Promise<ImageRecord | undefined>;
  /** The kept versions of an image, newest first (empty for a slot or a missing image). */
  listVersions(imageId: number): Promise<ImageVersion[]>;
  /** Version `version` of the image, if kept. */
  findVersion(imageId: number, version: number): Promise<ImageVersion | undefined>;
  /**
   * Makes version `version`'s blob current again as a new version (as recordUpload does, same
   * transaction, same trimming): no byte is copied, the history is kept. Nothing changes when
   * the image is gone or read-only or the version is not kept.
   */
  rollback(imageId: number, version: number, options?: NewVersionOptions): Promise<RollbackResult>;
  /** Drops a kept version; the current one is refused ("current"). Its blob is left to the sweeper. */
  deleteVersion(imageId: number, version: number): Promise<DeleteVersionResult>;
  /** Deletes the row and its shares; false when it did not exist. Its blob is left to the sweeper. */
  delete(id: number): Promise<boolean>;
  list(query: ImageQuery): Promise<ImagePage>;

  /** The users and groups each image is shared with (names, ordered); images without shares map to empty lists. */
  sharesOf(imageIds: readonly number[]): Promise<Map<number, ImageShares>>;
  /** Whether the image is shared with the user directly, through one of its groups, or with one of `viaGroups` (per-request memberships). */
  isSharedWith(imageId: number, userId: number, viaGroups?: readonly number[]): Promise<boolean>;
  /** Shares with a user; a no-op when already shared. Throws MissingReference when the image or the user is gone. */
  shareWithUser(imageId: number, userId: number): Promise<void>;
  /** Stops sharing with a user; false when it was not shared. */
  unshareWithUser(imageId: number, userId: number): Promise<boolean>;
  /** Shares with a group; a no-op when already shared. Throws MissingReference when the image or the group is gone. */
  shareWithGroup(imageId: number, groupId: number): Promise<void>;
  unshareWithGroup(imageId: number, groupId: number): Promise<boolean>;

  /** Every blob key some image or kept version references (for the sweeper). */
  referencedBlobKeys(): Promise<Set<string>>;
  /** Whether some image or kept version references `key` (the sweeper's last check before deleting). */
  isBlobReferenced(key: string): Promise<boolean>;
}
