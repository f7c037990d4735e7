/**
 * HEPiX image lists (SPEC §3 "HEPiX image lists"): the record of a list as the API answers it,
 * the bodies that create and modify one, and the listing. A list names images as
 * `owner/name`; its record says, per image, whether it is in the signed document
 * (`image.list`) and, when not, why (its sha512 is still being computed, it has no bytes,
 * the list's owner can no longer read it). The signed document itself is S/MIME text, not JSON.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ACCOUNT_NAME_PATTERN, GroupName, Time, UserName } from './common.js';

const closed = { additionalProperties: false } as const;

/** A list's name: as an image name (it is one path segment of the list's URL). */
export const ImageListName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'an image list name' });
/** `owner/name` of an image. */
export const ImageListMember = Type.String({
  pattern: `^${ACCOUNT_NAME_PATTERN.replace(/^\^|\$$/g, '')}/[A-Za-z0-9][A-Za-z0-9._-]{0,254}$`,
  description: 'an image as owner/name',
});

export const ImageListEntry = Type.Object(
  {
    image: Type.String({ description: 'owner/name' }),
    uuid: Type.String({ format: 'uuid', description: "the image's dc:identifier" }),
    version: Type.Integer({ minimum: 0 }),
    sha512: Type.Union([Type.String({ pattern: '^[0-9a-f]{128}$' }), Type.Null()], { description: 'null until computed (in the background)' }),
    published: Type.Boolean({ description: 'whether the signed document names it' }),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'why it is left out of the document; null when published' }),
  },
  closed,
);
export type ImageListEntry = Static<typeof ImageListEntry>;

export const ImageListRecord = Type.Object(
  {
    name: ImageListName,
    owner: UserName,
    uuid: Type.String({ format: 'uuid', description: "the list's dc:identifier, stable for its life" }),
    title: Type.String(),
    description: Type.String(),
    vo: Type.Union([Type.String(), Type.Null()]),
    group: Type.Union([GroupName, Type.Null()]),
    images: Type.Array(ImageListEntry),
    version: Type.Union([Type.String(), Type.Null()], { description: 'hv:version of the last signed document; null before the first' }),
    signed: Type.Union([Time, Type.Null()], { description: 'when the stored document was signed' }),
    expires: Type.Union([Time, Type.Null()], { description: 'its dc:date:expires' }),
    created: Time,
    modified: Time,
    url: Type.String({ format: 'uri', description: 'the signed list (image.list), for subscribers: no credential needed' }),
  },
  closed,
);
export type ImageListRecord = Static<typeof ImageListRecord>;

export const ImageListList = Type.Array(ImageListRecord);

const listFields = {
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  vo: Type.Optional(Type.String({ maxLength: 128, description: 'the VO the list is for (ad:vo); "" clears it' })),
  group: Type.Optional(Type.Union([Type.String({ pattern: ACCOUNT_NAME_PATTERN }), Type.Literal('')], { description: 'a group of the owner; "" clears it' })),
  images: Type.Optional(Type.Array(ImageListMember, { maxItems: 1000, description: 'images as owner/name; the list owner must be able to read each' })),
};

/** `POST /api/imagelists`. */
export const NewImageList = Type.Object({ name: ImageListName, ...listFields }, closed);
export type NewImageList = Static<typeof NewImageList>;

/** `PATCH /api/imagelists/{owner}/{list}`: the fields given replace the list's (images: the whole membership). */
export const ImageListChanges = Type.Object(listFields, closed);
export type ImageListChanges = Static<typeof ImageListChanges>;
