/**
 * The metadata store contract for HEPiX image lists (SPEC §3 "HEPiX image lists"): the lists,
 * the images they name, their last signed document, and the sha512 of each blob (computed once
 * in the background, see `services/sha512-worker.ts`). `sql-image-list-store.ts` implements it
 * for every SQL dialect. Like the other stores it enforces uniqueness and referential integrity
 * only; who may see or change a list is the services' business. Publishing a document is a
 * compare-and-set on the stored version, so that two instances re-signing at once store one.
 */

/** The signed document as last published. */
export interface PublishedImageList {
  /** hv:version: a UTC timestamp as digits (yyyymmddhhmmss), only increasing. */
  readonly version: number;
  /** The S/MIME text. */
  readonly document: string;
  /** sha256 of the content it was signed from (all but its dates and version). */
  readonly contentDigest: string;
  readonly signed: string;
  readonly expires: string;
}

export interface ImageListRow {
  readonly id: number;
  /** dc:identifier. */
  readonly uuid: string;
  readonly ownerId: number;
  readonly owner: string;
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly vo: string | null;
  readonly groupId: number | null;
  /** The group's name (joined); null without a group. */
  readonly group: string | null;
  readonly created: string;
  readonly modified: string;
  /** null until first signed. */
  readonly published: PublishedImageList | null;
}

export interface ImageListFields {
  readonly title?: string;
  readonly description?: string;
  readonly vo?: string | null;
  readonly groupId?: number | null;
}

export interface NewImageListRow extends ImageListFields {
  readonly ownerId: number;
  readonly name: string;
  readonly title: string;
}

export interface ImageListStore {
  /** Inserts a list (new uuid) with its images. UniqueViolation: the owner has a list of that name; MissingReference: an image, the owner or the group is gone. */
  create(list: NewImageListRow, imageIds: readonly number[]): Promise<ImageListRow>;
  find(ownerId: number, name: string): Promise<ImageListRow | undefined>;
  /** The lists of one owner, or every list; ordered by owner name, then list name. */
  list(ownerId?: number): Promise<ImageListRow[]>;
  /** Applies the fields given and, with `imageIds`, replaces the membership; bumps `modified`. undefined when the list is gone. */
  update(id: number, fields: ImageListFields, imageIds?: readonly number[]): Promise<ImageListRow | undefined>;
  delete(id: number): Promise<boolean>;
  /** The ids of the images the list names, ordered. */
  memberIds(listId: number): Promise<number[]>;
  /** Stores a newly signed document unless another one was stored since `previousVersion` was read; true when stored. */
  publish(listId: number, previousVersion: number | null, published: PublishedImageList): Promise<boolean>;

  /** The known sha512 of each of `blobKeys` (keys without one are absent). */
  sha512Of(blobKeys: readonly string[]): Promise<Map<string, string>>;
  /** Records a blob's sha512; a no-op when it is already known (two instances computed it). */
  recordSha512(blobKey: string, sha512: string): Promise<void>;
  /** Blob keys of images named by some list whose sha512 is not known yet, at most `limit`. */
  blobsAwaitingSha512(limit: number): Promise<string[]>;
}
