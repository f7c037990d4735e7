/**
 * Finding the image a URL names, and what the caller may do with it (SPEC §2, §3, paper fig. 2).
 * `/api/images/{image}` is the caller's own namespace, `/api/images/{user}/{image}` user's.
 * Who may do what:
 * - read (metadata, download, clone): the owner, admins, users it is shared with directly or
 *   through a group (stored, or given for the request by VOMS attributes), holders of image_modify or image_delete, and — for public images
 *   (unauthenticated_access) — every registered user; anonymous callers only the raw bytes of
 *   public images;
 * - modify, share, upload: the owner, admins, holders of image_modify;
 * - delete: the owner, admins, holders of image_delete.
 * An image the caller may not read answers 404 exactly like a missing one (a private image
 * never reveals that it exists); 403 only when the caller may read it but not change it.
 * Anonymous callers get the transport's refusal (401 on HTTPS, 403 on plain HTTP) for
 * anything but a public image, missing or private alike.
 */
import type { ImageRecord } from '../metadata/image-store.js';
import type { MetadataStores } from '../metadata/metadata-store.js';
import { hasPermission, requireUser } from './access.js';
import type { Caller } from './caller.js';
import { checkAccountName, checkImageName } from './names.js';
import { RepomanError } from './repoman-error.js';

/** An image as a URL names it: in `owner`'s namespace, or the caller's when `owner` is absent. */
export interface ImageRef {
  readonly owner?: string | undefined;
  readonly name: string;
}

export type ImageAction = 'modify' | 'share' | 'upload' | 'delete';

export interface LocatedImage {
  readonly image: ImageRecord;
  /** The caller owns the image or is an admin: expiry does not apply to it. */
  readonly privileged: boolean;
  /** What the caller may do beyond reading. */
  readonly may: Readonly<Record<ImageAction, boolean>>;
}

type Stores = Pick<MetadataStores, 'users' | 'images'>;

/** "bob/rhel5.5.img", for messages. */
export function imageLabel(image: Pick<ImageRecord, 'owner' | 'name'>): string {
  return `${image.owner}/${image.name}`;
}

/** Validates the names of a reference (400 INVALID_NAME) before anything is looked up. */
export function checkImageRef(ref: ImageRef): void {
  if (ref.owner !== undefined) checkAccountName('user', ref.owner);
  checkImageName(ref.name);
}

function notFound(ref: ImageRef): RepomanError {
  return new RepomanError(
    'IMAGE_NOT_FOUND',
    ref.owner === undefined
      ? `you have no image named ${ref.name} (another user's image is named USER/${ref.name})`
      : `no image ${ref.owner}/${ref.name} is visible to you (it does not exist or is not shared with you)`,
  );
}

/** The image `ref` names, if the caller may read it; see the header for the errors. */
export async function locateImage(stores: Stores, caller: Caller, ref: ImageRef): Promise<LocatedImage> {
  checkImageRef(ref);
  if (caller.kind === 'anonymous') {
    const owner = ref.owner === undefined ? undefined : await stores.users.findByName(ref.owner);
    const image = owner === undefined ? undefined : await stores.images.find(owner.id, ref.name);
    if (image === undefined || !image.unauthenticatedAccess) {
      requireUser(caller); // throws: 401 on HTTPS, 403 on plain HTTP
      throw notFound(ref);
    }
    return { image, privileged: false, may: { modify: false, share: false, upload: false, delete: false } };
  }
  const owner = ref.owner === undefined ? caller.user : await stores.users.findByName(ref.owner);
  const image = owner === undefined ? undefined : await stores.images.find(owner.id, ref.name);
  if (image === undefined) throw notFound(ref);
  const privileged = caller.isAdmin || image.ownerId === caller.user.id;
  const modify = privileged || hasPermission(caller, 'image_modify');
  const remove = privileged || hasPermission(caller, 'image_delete');
  const readable = modify || remove || image.unauthenticatedAccess || (await stores.images.isSharedWith(image.id, caller.user.id, caller.vomsGroups.map((group) => group.id)));
  if (!readable) throw notFound(ref);
  return { image, privileged, may: { modify, share: modify, upload: modify, delete: remove } };
}

const VERBS: Readonly<Record<ImageAction, string>> = {
  modify: 'modify',
  share: 'change the sharing of',
  upload: 'upload new bytes to',
  delete: 'delete',
};

/** Throws 403 unless the caller may `action` the located image. */
export function requireImageRight(located: LocatedImage, action: ImageAction): void {
  if (located.may[action]) return;
  const permission = action === 'delete' ? 'image_delete' : 'image_modify';
  throw new RepomanError(
    'FORBIDDEN',
    `you may read ${imageLabel(located.image)} but not ${VERBS[action]} it: only its owner, admins and holders of ${permission} may`,
  );
}

/** Throws 409 IMAGE_READ_ONLY when the image is read-only. */
export function requireWritable(image: ImageRecord, action: string): void {
  if (!image.readOnly) return;
  throw new RepomanError(
    'IMAGE_READ_ONLY',
    `${imageLabel(image)} is read-only: clear its read_only flag first to ${action} it`,
  );
}
