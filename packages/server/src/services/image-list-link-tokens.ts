/**
 * The download links a signed image list names for its private images (SPEC §3 "HEPiX image
 * lists", "Download links"): made by the download-link service, by the server for the list
 * (`created_by` "imagelist:owner/name", so the image's owner sees which list made a link and
 * may revoke it), each pinned to the version the document states. A token exists in clear only
 * inside the signed document (the link table keeps its hash): at the next signature the tokens
 * are read back from the stored document, and a link is reused while it is live, opens the same
 * image and version, and outlives the document to be signed; otherwise a new one is made, living
 * a quarter of a document's lifetime past that document's expiry, so that a subscriber that
 * fetched the document just before it expired still downloads. Links of a superseded version
 * are left to expire; links of an image that left the document are revoked (`revokeLeft`), as
 * are the links this signature made when another instance stored its document first (`discard`).
 */
import type { LinkRecord } from '../metadata/link-store.js';
import type { DownloadLinkService } from './download-links.js';
import type { ImageListLinks, PublishedMember } from './image-list-members.js';

/** `created_by` of the links made for the list `owner/name`: no user name has a colon. */
export function listLinkMaker(owner: string, name: string): string {
  return `imagelist:${owner}/${name}`;
}

export type LinkService = Pick<DownloadLinkService, 'issue' | 'findLive' | 'revokeMadeBy'>;

interface KnownLink {
  readonly token: string;
  readonly link: LinkRecord;
}

export interface ListLinkTokens {
  /** The token of a live link of the stored document for the member's pinned version, or null. */
  reused(member: PublishedMember): Promise<string | null>;
  /** A token whose link outlives `documentExpires`: reused, or newly made. */
  lasting(member: PublishedMember, documentExpires: Date): Promise<string>;
  /** Revokes the list's links of images the stored document named and `published` does not. */
  revokeLeft(published: readonly PublishedMember[]): Promise<void>;
  /** Revokes the links this signature made (its document was not stored). */
  discard(): Promise<void>;
}

export function listLinkTokens(service: LinkService, urls: Pick<ImageListLinks, 'tokensIn'>, maker: string, storedDocument: string | null, margin: number): ListLinkTokens {
  let known: Promise<Map<string, KnownLink>> | undefined;
  const made: LinkRecord[] = [];
  const key = (imageId: number, version: number | null) => `${imageId}:${version}`;

  /** The live links of the stored document that this list made, by image and version. */
  function knownLinks(): Promise<Map<string, KnownLink>> {
    known ??= (async () => {
      const found = new Map<string, KnownLink>();
      for (const token of urls.tokensIn(storedDocument ?? '')) {
        const link = await service.findLive(token);
        if (link !== undefined && link.createdBy === maker) found.set(key(link.imageId, link.version), { token, link });
      }
      return found;
    })();
    return known;
  }

  const reusable = async (member: PublishedMember) => (await knownLinks()).get(key(member.image.id, member.pinned.version));

  return {
    async reused(member) {
      return (await reusable(member))?.token ?? null;
    },

    async lasting(member, documentExpires) {
      const reuse = await reusable(member);
      if (reuse !== undefined && Date.parse(reuse.link.expires) >= documentExpires.getTime()) return reuse.token;
      const created = await service.issue(member.image, member.pinned.version, maker, new Date(documentExpires.getTime() + margin));
      made.push(created.link);
      return created.token;
    },

    async revokeLeft(published) {
      const staying = new Set(published.map((member) => member.image.id));
      const left = new Set([...(await knownLinks()).values()].map(({ link }) => link.imageId).filter((id) => !staying.has(id)));
      for (const imageId of left) await service.revokeMadeBy(imageId, maker);
    },

    async discard() {
      const ids = new Set(made.map((link) => link.id));
      for (const imageId of new Set(made.map((link) => link.imageId))) await service.revokeMadeBy(imageId, maker, ids);
    },
  };
}
