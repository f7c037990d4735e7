/**
 * Download links (SPEC §3 "Download links"): a machine without a grid credential (Glance's
 * `web-download`, `qemu-img`, an image-list subscriber) fetches one image through a URL that
 * holds a secret token, until the link expires or is revoked. Making, listing and revoking
 * links needs the right to modify the image. The token is 32 random bytes (base64url, 43
 * characters), returned once and stored only as its sha256: a download finds its link by that
 * hash with one indexed lookup, so no token is ever compared and guessing (2^256 tokens) is
 * useless whatever the rate. Every way a token can fail — malformed, unknown, expired, revoked,
 * its image deleted, emptied or expired, its pinned version no longer kept — is the same
 * 404 LINK_NOT_FOUND with the same message, so that a caller learns nothing of other links or
 * images. A link keeps working when its maker later loses the right to modify the image: it
 * is revoked, not re-checked.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ImageRecord } from '../metadata/image-store.js';
import type { LinkRecord } from '../metadata/link-store.js';
import type { MetadataStores } from '../metadata/metadata-store.js';
import { UniqueViolation } from '../metadata/store-errors.js';
import { requireUser } from './access.js';
import type { Caller } from './caller.js';
import { hasExpired } from './image-fields.js';
import { imageLabel, locateImage, requireImageRight, type ImageRef, type LocatedImage } from './image-access.js';
import { downloadOf, downloadOfVersion, type ImageDownload } from './image-transfer.js';
import { versionNotFound } from './image-versions.js';
import { RepomanError } from './repoman-error.js';

/** How long a link lives when `expires_in` is not given (capped by the server's maximum). */
export const DEFAULT_LINK_SECONDS = 7 * 24 * 3600;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface DownloadLinkOptions {
  /** `[limits] max_link_seconds`. */
  readonly maxLinkSeconds: number;
}

export interface LinkRequest {
  /** Seconds until it expires; checked here (1 … maxLinkSeconds). */
  readonly expiresIn?: unknown;
  /** The version to pin; omitted: the link follows the current content. */
  readonly version?: number | undefined;
}

/** A link as made: the only time its token exists outside the client. */
export interface CreatedLink {
  readonly link: LinkRecord;
  readonly token: string;
}

/** A download through a link: the link and what it serves. */
export interface LinkDownload {
  readonly link: LinkRecord;
  readonly download: ImageDownload;
}

export type DownloadLinkService = ReturnType<typeof createDownloadLinkService>;

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The one answer to every token that opens nothing. */
export function linkNotFound(): RepomanError {
  return new RepomanError('LINK_NOT_FOUND');
}

export function createDownloadLinkService(stores: Pick<MetadataStores, 'users' | 'images' | 'links'>, options: DownloadLinkOptions) {
  const now = (): Date => new Date();
  const max = options.maxLinkSeconds;

  function expiresInOf(value: unknown): number {
    if (value === undefined) return Math.min(DEFAULT_LINK_SECONDS, max);
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max) return value;
    throw new RepomanError('BAD_REQUEST', `expires_in must be a whole number of seconds from 1 to ${max} (this server's [limits] max_link_seconds), not ${JSON.stringify(value)}`);
  }

  /** The image, if the caller may manage its links (the right to modify it). */
  async function manageable(caller: Caller, ref: ImageRef): Promise<LocatedImage & { readonly by: string }> {
    const { user } = requireUser(caller);
    const located = await locateImage(stores, caller, ref);
    requireImageRight(located, 'modify');
    return { ...located, by: user.name };
  }

  /** What a link pinned to `version` serves; undefined once that version is no longer kept. */
  async function pinnedDownload(image: ImageRecord, version: number): Promise<ImageDownload | undefined> {
    const kept = await stores.images.findVersion(image.id, version);
    return kept === undefined ? undefined : downloadOfVersion(image, kept);
  }

  /** Inserts a link with a new id and token. */
  async function insert(image: ImageRecord, version: number | null, createdBy: string, expires: Date): Promise<CreatedLink> {
    for (let attempt = 1; ; attempt++) {
      const token = randomBytes(32).toString('base64url');
      try {
        const link = await stores.links.create({ id: randomBytes(6).toString('hex'), tokenHash: tokenHash(token), imageId: image.id, version, createdBy, expires: expires.toISOString() });
        return { link, token };
      } catch (error) {
        // Twelve hex digits of id may meet (2^-48); draw again, a few times at most.
        if (!(error instanceof UniqueViolation) || attempt === 3) throw error;
      }
    }
  }

  return {
    async create(caller: Caller, ref: ImageRef, request: LinkRequest): Promise<CreatedLink> {
      const { image, by } = await manageable(caller, ref);
      const expiresIn = expiresInOf(request.expiresIn);
      if (request.version !== undefined && (await stores.images.findVersion(image.id, request.version)) === undefined) {
        throw versionNotFound(image, request.version);
      }
      return insert(image, request.version ?? null, by, new Date(now().getTime() + expiresIn * 1000));
    },

    /**
     * A link the server makes for itself (an image list's, `createdBy` naming the list), pinned
     * to `version`: no caller and no [limits] max_link_seconds, since its maker decides both.
     */
    issue(image: ImageRecord, version: number, createdBy: string, expires: Date): Promise<CreatedLink> {
      return insert(image, version, createdBy, expires);
    },

    /** The live link `token` opens, or undefined: for a maker that kept the token (in a signed document) to check it still works. */
    async findLive(token: string): Promise<LinkRecord | undefined> {
      return TOKEN.test(token) ? stores.links.findLive(tokenHash(token), now()) : undefined;
    },

    /** Revokes every live link of the image that `createdBy` made (with `only`: those of these ids). */
    async revokeMadeBy(imageId: number, createdBy: string, only?: ReadonlySet<string>): Promise<void> {
      const at = now();
      for (const link of await stores.links.listLive(imageId, at)) {
        if (link.createdBy === createdBy && (only === undefined || only.has(link.id))) await stores.links.revoke(imageId, link.id, at);
      }
    },

    /** The image's live links (neither expired nor revoked), newest first. */
    async list(caller: Caller, ref: ImageRef): Promise<LinkRecord[]> {
      const { image } = await manageable(caller, ref);
      return stores.links.listLive(image.id, now());
    },

    /** Revokes one of the image's links: 404 LINK_NOT_FOUND when the image has no such live link. */
    async revoke(caller: Caller, ref: ImageRef, id: string): Promise<void> {
      const { image } = await manageable(caller, ref);
      if (!(await stores.links.revoke(image.id, id, now()))) {
        throw new RepomanError('LINK_NOT_FOUND', `${imageLabel(image)} has no link ${JSON.stringify(id)} that is not revoked (see its links with GET …/links)`);
      }
    },

    /** What a token downloads, or the one 404 (see the header). */
    async open(token: string): Promise<LinkDownload> {
      if (!TOKEN.test(token)) throw linkNotFound();
      const at = now();
      const link = await stores.links.findLive(tokenHash(token), at);
      const image = link === undefined ? undefined : await stores.images.findById(link.imageId);
      if (link === undefined || image === undefined || hasExpired(image.expires, at)) throw linkNotFound();
      const download = link.version === null ? downloadOf(image) : await pinnedDownload(image, link.version);
      if (download === undefined) throw linkNotFound();
      return { link, download };
    },

    /** Counts one download through the link (in the database: every instance's count adds up). */
    countDownload(link: LinkRecord): Promise<void> {
      return stores.links.countDownload(link.id);
    },
  };
}
