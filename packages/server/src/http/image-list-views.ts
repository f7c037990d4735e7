/**
 * The JSON shape of an image list as the API returns it (`ImageListRecord` of `@repoman/api`):
 * its fields, each image with whether the signed document names it and why not, the version
 * and dates of the stored signature, and the URL subscribers fetch.
 */
import type { ImageListRecord } from '@repoman/api';
import type { ImageListLinks } from '../services/image-list-members.js';
import type { ImageListDetails } from '../services/image-list-service.js';

export function toImageListView({ list, members }: ImageListDetails, links: ImageListLinks): ImageListRecord {
  return {
    name: list.name,
    owner: list.owner,
    uuid: list.uuid,
    title: list.title,
    description: list.description,
    vo: list.vo,
    group: list.group,
    images: members.map((member) => ({
      image: `${member.image.owner}/${member.image.name}`,
      uuid: member.image.uuid,
      version: member.published ? member.pinned.version : member.image.version,
      sha512: member.sha512,
      published: member.published,
      reason: member.published ? null : member.reason,
    })),
    version: list.published === null ? null : String(list.published.version),
    signed: list.published?.signed ?? null,
    expires: list.published?.expires ?? null,
    created: list.created,
    modified: list.modified,
    url: links.document(list.owner, list.name),
  };
}
