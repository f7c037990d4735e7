/**
 * The `hv:imagelist` JSON of a HEPiX image list, with every field vmcatcher, cloudkeeper and
 * atrope require (SPEC §3), none empty: where Repoman has no value of its own a stated
 * placeholder stands in ("unknown"). Each image is described at the version the document pins
 * (its size, format, sha512 and URI are that version's). `imageListContent` builds everything
 * but the dates and the version; its digest tells whether anything changed since the last signature.
 * `datedImageList` adds `dc:date:created`, `dc:date:expires` and `hv:version` and gives the
 * text that is signed.
 */
import { createHash } from 'node:crypto';
import type { ImageListRow } from '../metadata/image-list-store.js';
import type { UserRecord } from '../metadata/metadata-store.js';
import type { ImageListLinks, PublishedMember } from './image-list-members.js';

export interface Endorser {
  readonly dn: string;
  readonly ca: string;
}

export interface ListContext {
  readonly list: ImageListRow;
  readonly owner: UserRecord;
  readonly links: ImageListLinks;
  readonly endorser: Endorser;
}

/** A published image and where the document says to download it. */
export interface ListedImage {
  readonly member: PublishedMember;
  readonly uri: string;
}

const or = (value: string, fallback: string): string => (value.trim() === '' ? fallback : value);

/** A UUID derived from `text` (RFC 4122 version 5 layout over sha1), for ad:user:guid. */
function nameUuid(text: string): string {
  const bytes = createHash('sha1').update(`repoman:${text}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function imageEntry({ member, uri }: ListedImage, context: ListContext): Record<string, unknown> {
  const { image, sha512, pinned } = member;
  const { list, owner, links } = context;
  return {
    'hv:image': {
      'dc:identifier': image.uuid,
      'dc:title': image.name,
      'dc:description': or(image.description, `${image.owner}/${image.name}`),
      'hv:uri': uri,
      'hv:size': pinned.size,
      'sl:checksum:sha512': sha512,
      'hv:version': String(pinned.version),
      'hv:hypervisor': or(image.hypervisor, 'unknown'),
      'hv:format': (pinned.diskFormat ?? image.diskFormat ?? 'raw').toUpperCase(),
      'sl:arch': or(image.osArch, 'unknown'),
      'sl:os': or(image.osType, 'unknown'),
      'sl:osname': or(image.osVariant, or(image.osType, 'unknown')),
      'sl:osversion': or(image.osVariant, 'unknown'),
      'sl:comments': `${image.owner}/${image.name} version ${pinned.version}, uploaded ${pinned.uploaded}`,
      'ad:mpuri': links.record(image),
      'ad:group': list.group ?? list.vo ?? list.owner,
      'ad:user:fullname': or(owner.fullName, owner.name),
      'ad:user:guid': nameUuid(owner.clientDn),
      'ad:user:uri': links.user(owner.name),
      'hv:ram_minimum': String(image.minRam),
      'hv:core_minimum': '1',
    },
  };
}

/** The list without its dates and version. */
export function imageListContent(context: ListContext, images: readonly ListedImage[]): Record<string, unknown> {
  const { list, owner, links, endorser } = context;
  return {
    'dc:identifier': list.uuid,
    'dc:title': list.title,
    'dc:description': or(list.description, list.title),
    'dc:source': links.source,
    'hv:uri': links.document(list.owner, list.name),
    ...(list.vo !== null && { 'ad:vo': list.vo }),
    'hv:endorser': {
      'hv:x509': { 'dc:creator': 'Repoman', 'hv:ca': endorser.ca, 'hv:dn': endorser.dn, 'hv:email': or(owner.email, `${owner.name}@${links.host}`) },
    },
    'hv:images': images.map((image) => imageEntry(image, context)),
  };
}

/** sha256 of the content: equal digests, nothing to re-sign. */
export function contentDigest(content: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/** hv:version for a signature made at `now`: its UTC time as digits, above the previous one. */
export function nextVersion(now: Date, previous: number | null): number {
  const stamp = Number(now.toISOString().replace(/\D/g, '').slice(0, 14));
  return previous !== null && previous >= stamp ? previous + 1 : stamp;
}

/** The text to sign: the content with its dates and version, as `{"hv:imagelist": …}`. */
export function datedImageList(content: Record<string, unknown>, dates: { readonly created: Date; readonly expires: Date; readonly version: number }): string {
  const iso = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;
  const list = { 'dc:date:created': iso(dates.created), 'dc:date:expires': iso(dates.expires), 'hv:version': String(dates.version), ...content };
  return `${JSON.stringify({ 'hv:imagelist': list }, null, 2)}\n`;
}
