/**
 * HEPiX image lists (SPEC §3): create, list, read, modify and delete the lists, and give
 * subscribers the signed document. A list belongs to a user (optionally for a group the owner
 * is in, or a VO); only its owner and admins see or change it. An image joins a list only if
 * the list's owner can read it (else 404, exactly as reading it would answer). The signed
 * document is stored in the database, so that any instance serves the same one; it is signed
 * again, with a higher `hv:version` and the same `dc:identifier`, whenever what it would say
 * changed (the list, an image's version or checksum, an image gone or newly ready) and when
 * less than a quarter of its lifetime (`[imagelists] expiry_days`) is left. The check runs at
 * every fetch and after every change of the list; of two instances re-signing at once, one
 * stores its document and the other serves it. Private images are named by download links the
 * server makes for the list (`image-list-link-tokens.ts`); a revoked one is replaced by a new
 * link at the next fetch, and deleting the list, or an image leaving it, revokes its links.
 */
import type { ImageListFields, ImageListRow, PublishedImageList } from '../metadata/image-list-store.js';
import type { ImageRecord } from '../metadata/image-store.js';
import type { MetadataStores, UserRecord } from '../metadata/metadata-store.js';
import { MissingReference, UniqueViolation } from '../metadata/store-errors.js';
import { requireUser } from './access.js';
import { resolveCaller, type Caller, type UserCaller } from './caller.js';
import { contentDigest, datedImageList, imageListContent, nextVersion, type ListedImage } from './image-list-document.js';
import { listLinkMaker, listLinkTokens, type LinkService } from './image-list-link-tokens.js';
import { AWAITING_SHA512, imageUriFor, memberStates, type ImageListLinks, type LinkTokenFor, type MemberState, type PublishedMember } from './image-list-members.js';
import type { ImageListSigner } from './image-list-signer.js';
import { locateImage } from './image-access.js';
import { checkAccountName, checkImageName } from './names.js';
import { RepomanError } from './repoman-error.js';
import type { Sha512Worker } from './sha512-worker.js';

export interface ImageListInput {
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  /** "" clears it. */
  readonly vo?: string | undefined;
  /** "" clears it. */
  readonly group?: string | undefined;
  /** `owner/name` of each image; replaces the membership. */
  readonly images?: readonly string[] | undefined;
}

export interface CreateImageListInput extends ImageListInput {
  readonly name: string;
}

/** A list with the state of each of its images. */
export interface ImageListDetails {
  readonly list: ImageListRow;
  readonly members: readonly MemberState[];
}

export interface ImageListServiceDeps {
  /** null: this server has no host key to sign with (image.list answers 503). */
  readonly signer: ImageListSigner | null;
  readonly checksums: Pick<Sha512Worker, 'wake'>;
  /** Makes, checks and revokes the download links of private images. */
  readonly links: LinkService;
  /** `[imagelists] expiry_days`. */
  readonly expiryDays: number;
  readonly now?: () => Date;
}

type Stores = Pick<MetadataStores, 'users' | 'groups' | 'images' | 'imageLists'>;

const DAY_MS = 86_400_000;

export type ImageListService = ReturnType<typeof createImageListService>;

export function createImageListService(stores: Stores, deps: ImageListServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const { users, groups, imageLists } = stores;

  const notFound = (owner: string, name: string) =>
    new RepomanError('IMAGE_LIST_NOT_FOUND', `no image list ${owner}/${name} is visible to you (it does not exist or is not yours)`);

  async function userNamed(name: string): Promise<UserRecord | undefined> {
    checkAccountName('user', name);
    return users.findByName(name);
  }

  /** The list `owner/name` if the caller may see it (its owner, admins). */
  async function ownList(caller: Caller, owner: string, name: string): Promise<{ list: ImageListRow; actor: UserCaller; ownerRecord: UserRecord }> {
    const actor = requireUser(caller);
    checkImageName(name);
    const ownerRecord = await userNamed(owner);
    const list = ownerRecord && (await imageLists.find(ownerRecord.id, name));
    if (ownerRecord === undefined || list === undefined || (!actor.isAdmin && list.ownerId !== actor.user.id)) throw notFound(owner, name);
    return { list, actor, ownerRecord };
  }

  /** The ids of the images named, each readable by the list's owner (else 404 as reading it would answer). */
  async function imageIds(actor: UserCaller, owner: UserRecord, names: readonly string[]): Promise<number[]> {
    const asOwner = actor.user.id === owner.id ? actor : await resolveCaller(stores, { dn: owner.clientDn, limited: false }, { plainHttp: false });
    const ids: number[] = [];
    for (const entry of names) {
      const slash = entry.indexOf('/');
      if (slash <= 0) throw new RepomanError('BAD_REQUEST', `images are named owner/name: ${entry} has no owner`);
      const { image } = await locateImage(stores, asOwner, { owner: entry.slice(0, slash), name: entry.slice(slash + 1) });
      ids.push(image.id);
    }
    return ids;
  }

  async function fields(actor: UserCaller, owner: UserRecord, input: ImageListInput): Promise<ImageListFields> {
    let groupId: number | null | undefined;
    if (input.group === '') groupId = null;
    else if (input.group !== undefined) {
      checkAccountName('group', input.group);
      const group = await groups.findByName(input.group);
      if (group === undefined) throw new RepomanError('GROUP_NOT_FOUND', `no group is named ${input.group}`);
      const memberOf = (await groups.groupNamesOf([owner.id])).get(owner.id) ?? [];
      if (!actor.isAdmin && !memberOf.includes(group.name)) throw new RepomanError('FORBIDDEN', `${owner.name} is not a member of ${group.name}: a list can be for a group of its owner only`);
      groupId = group.id;
    }
    return {
      ...(input.title !== undefined && { title: input.title }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.vo !== undefined && { vo: input.vo === '' ? null : input.vo }),
      ...(groupId !== undefined && { groupId }),
    };
  }

  /** Whether the list's owner may read an image (as when it joined the list; re-checked at every signature). */
  async function ownerReads(owner: UserRecord): Promise<(image: ImageRecord) => Promise<boolean>> {
    const asOwner = await resolveCaller(stores, { dn: owner.clientDn, limited: false }, { plainHttp: false }).catch((error: unknown) => {
      if (error instanceof RepomanError) return undefined; // suspended: reads nothing
      throw error;
    });
    return async (image) => {
      if (asOwner === undefined) return false;
      return locateImage(stores, asOwner, { owner: image.owner, name: image.name }).then(
        () => true,
        (error: unknown) => {
          if (error instanceof RepomanError && error.code === 'IMAGE_NOT_FOUND') return false;
          throw error;
        },
      );
    };
  }

  async function details(list: ImageListRow, owner: UserRecord): Promise<ImageListDetails> {
    const members = await memberStates(stores, list.id, await ownerReads(owner), now());
    const awaiting = (member: MemberState) => (member.published ? member.pinned.version < member.image.version : member.reason === AWAITING_SHA512);
    if (members.some(awaiting)) deps.checksums.wake();
    return { list, members };
  }

  /** The images of the document with their URIs; null when a private one has no link from `tokenFor`. */
  async function listed(members: readonly PublishedMember[], links: ImageListLinks, tokenFor: LinkTokenFor): Promise<ListedImage[] | null> {
    const images: ListedImage[] = [];
    for (const member of members) {
      const uri = await imageUriFor(member, links, tokenFor);
      if (uri === null) return null;
      images.push({ member, uri });
    }
    return images;
  }

  /**
   * The stored document if it still says what the list says (its links still live) and is not
   * near expiry; else a new one, stored, whose links outlive it.
   */
  async function refresh(list: ImageListRow, owner: UserRecord, links: ImageListLinks): Promise<PublishedImageList> {
    const signer = deps.signer;
    if (signer === null) throw new RepomanError('UNAVAILABLE', 'this server has no host certificate and key to sign image lists with');
    const { members } = await details(list, owner);
    const published = members.filter((member): member is PublishedMember => member.published);
    const context = { list, owner, links, endorser: signer };
    const stored = list.published;
    const at = now();
    const lifetime = deps.expiryDays * DAY_MS;
    const tokens = listLinkTokens(deps.links, links, listLinkMaker(list.owner, list.name), stored?.document ?? null, lifetime / 4);
    const current = await listed(published, links, (member) => tokens.reused(member));
    if (stored !== null && current !== null && stored.contentDigest === contentDigest(imageListContent(context, current)) && Date.parse(stored.expires) - at.getTime() > lifetime / 4) {
      return stored;
    }
    const version = nextVersion(at, stored?.version ?? null);
    const expires = new Date(at.getTime() + lifetime);
    const content = imageListContent(context, (await listed(published, links, (member) => tokens.lasting(member, expires)))!);
    const document = await signer.sign(datedImageList(content, { created: at, expires, version }));
    const fresh = { version, document, contentDigest: contentDigest(content), signed: at.toISOString(), expires: expires.toISOString() };
    if (await imageLists.publish(list.id, stored?.version ?? null, fresh)) {
      await tokens.revokeLeft(published);
      return fresh;
    }
    // Another instance signed meanwhile: serve what it stored, and drop the links made for nothing.
    await tokens.discard();
    return (await imageLists.find(list.ownerId, list.name))?.published ?? fresh;
  }

  /** Signs after a change, when this server can; the record then shows the new version. */
  async function afterChange(list: ImageListRow, owner: UserRecord, links: ImageListLinks): Promise<ImageListDetails> {
    if (deps.signer === null) return details(list, owner);
    await refresh(list, owner, links);
    const current = (await imageLists.find(list.ownerId, list.name)) ?? list;
    return details(current, owner);
  }

  const translate = (owner: string, name: string) => (error: unknown): never => {
    if (error instanceof UniqueViolation) throw new RepomanError('CONFLICT', `${owner} already has an image list named ${name}`, { cause: error });
    if (error instanceof MissingReference) throw new RepomanError('CONFLICT', `an image, the group or ${owner} was deleted meanwhile; try again`, { cause: error });
    throw error;
  };

  return {
    /** The caller's lists (every list for admins). */
    async list(caller: Caller): Promise<ImageListDetails[]> {
      const actor = requireUser(caller);
      const lists = await imageLists.list(actor.isAdmin ? undefined : actor.user.id);
      return Promise.all(
        lists.map(async (list) => {
          const owner = list.ownerId === actor.user.id ? actor.user : await users.findByName(list.owner);
          return owner === undefined ? { list, members: [] } : details(list, owner);
        }),
      );
    },

    async create(caller: Caller, input: CreateImageListInput, links: ImageListLinks): Promise<ImageListDetails> {
      const actor = requireUser(caller);
      checkImageName(input.name);
      const owner = actor.user;
      const listFields = await fields(actor, owner, input);
      const ids = await imageIds(actor, owner, input.images ?? []);
      const list = await imageLists
        .create({ ownerId: owner.id, name: input.name, ...listFields, title: input.title ?? input.name }, ids)
        .catch(translate(owner.name, input.name));
      if (ids.length > 0) deps.checksums.wake();
      return afterChange(list, owner, links);
    },

    async get(caller: Caller, owner: string, name: string): Promise<ImageListDetails> {
      const { list, ownerRecord } = await ownList(caller, owner, name);
      return details(list, ownerRecord);
    },

    async modify(caller: Caller, owner: string, name: string, input: ImageListInput, links: ImageListLinks): Promise<ImageListDetails> {
      const { list, actor, ownerRecord } = await ownList(caller, owner, name);
      const listFields = await fields(actor, ownerRecord, input);
      const ids = input.images === undefined ? undefined : await imageIds(actor, ownerRecord, input.images);
      const changed = await imageLists.update(list.id, listFields, ids).catch(translate(owner, name));
      if (changed === undefined) throw notFound(owner, name);
      if (ids !== undefined && ids.length > 0) deps.checksums.wake();
      return afterChange(changed, ownerRecord, links);
    },

    /** Deletes the list and revokes the download links made for it. */
    async delete(caller: Caller, owner: string, name: string): Promise<void> {
      const { list } = await ownList(caller, owner, name);
      const imageIds = await imageLists.memberIds(list.id);
      if (!(await imageLists.delete(list.id))) throw notFound(owner, name);
      for (const imageId of imageIds) await deps.links.revokeMadeBy(imageId, listLinkMaker(list.owner, list.name));
    },

    /** The signed document, for anyone (subscribers have no grid credential). */
    async signed(owner: string, name: string, links: ImageListLinks): Promise<PublishedImageList> {
      checkImageName(name);
      const ownerRecord = await userNamed(owner);
      const list = ownerRecord && (await imageLists.find(ownerRecord.id, name));
      if (ownerRecord === undefined || list === undefined) throw new RepomanError('IMAGE_LIST_NOT_FOUND', `no image list ${owner}/${name}`);
      return refresh(list, ownerRecord, links);
    },
  };
}
