/**
 * Sharing an image read-only with a user or a group, and stopping (SPEC §3). Whoever may
 * modify the image (its owner, admins, holders of image_modify) may change its shares; a
 * sharee may not. Sharing is idempotent both ways and answers the image record. Sharing with
 * the owner itself is refused (400): the owner has every right already. Sharing does not
 * change the image, so a read-only image can still be shared. An image, user or group deleted
 * by another instance between the lookups and the write answers 404, as if it had been gone
 * before (the share row is never written for a missing row: foreign keys).
 */
import type { MetadataStores } from '../metadata/metadata-store.js';
import { MissingReference } from '../metadata/store-errors.js';
import { imageLabel, locateImage, requireImageRight, type ImageRef } from './image-access.js';
import type { Caller } from './caller.js';
import { checkAccountName } from './names.js';
import { RepomanError } from './repoman-error.js';
import { withShares, type SharedImage } from './shared-image.js';

export interface ShareTarget {
  readonly kind: 'user' | 'group';
  readonly name: string;
}

export type ImageSharingService = ReturnType<typeof createImageSharingService>;

export function createImageSharingService(stores: Pick<MetadataStores, 'users' | 'groups' | 'images'>) {
  const { users, groups, images } = stores;

  async function targetId(target: ShareTarget): Promise<number> {
    checkAccountName(target.kind, target.name);
    if (target.kind === 'user') {
      const user = await users.findByName(target.name);
      if (user === undefined) throw new RepomanError('USER_NOT_FOUND', `no user is named ${target.name}`);
      return user.id;
    }
    const group = await groups.findByName(target.name);
    if (group === undefined) throw new RepomanError('GROUP_NOT_FOUND', `no group is named ${target.name}`);
    return group.id;
  }

  async function change(caller: Caller, ref: ImageRef, target: ShareTarget, share: boolean): Promise<SharedImage> {
    checkAccountName(target.kind, target.name);
    const located = await locateImage(stores, caller, ref);
    requireImageRight(located, 'share');
    const { image } = located;
    const id = await targetId(target);
    const goneMeanwhile = async (error: unknown): Promise<never> => {
      if (!(error instanceof MissingReference)) throw error;
      if ((await images.findById(image.id)) === undefined) {
        throw new RepomanError('IMAGE_NOT_FOUND', `${imageLabel(image)} was deleted meanwhile`, { cause: error });
      }
      throw new RepomanError(target.kind === 'user' ? 'USER_NOT_FOUND' : 'GROUP_NOT_FOUND', `the ${target.kind} ${target.name} was deleted meanwhile`, { cause: error });
    };
    if (target.kind === 'user') {
      if (share && id === image.ownerId) {
        throw new RepomanError('BAD_REQUEST', `${target.name} owns ${image.owner}/${image.name}; share it with someone else`);
      }
      await (share ? images.shareWithUser(image.id, id) : images.unshareWithUser(image.id, id)).catch(goneMeanwhile);
    } else {
      await (share ? images.shareWithGroup(image.id, id) : images.unshareWithGroup(image.id, id)).catch(goneMeanwhile);
    }
    return withShares(images, image);
  }

  return {
    share: (caller: Caller, ref: ImageRef, target: ShareTarget) => change(caller, ref, target, true),
    unshare: (caller: Caller, ref: ImageRef, target: ShareTarget) => change(caller, ref, target, false),
  };
}
