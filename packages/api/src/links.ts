/**
 * Download links (SPEC §3 "Download links"): the body that creates one (`expires_in` seconds,
 * an optional pinned `version`), the answer that shows its URL — the only time the token is
 * ever shown — and the record a listing shows, which never holds the token.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ACCOUNT_NAME_PATTERN, Time, UserName } from './common.js';

const closed = { additionalProperties: false } as const;

/** The link's public id: names it in listings and in `DELETE …/links/{id}`; not a secret. */
export const LinkId = Type.String({ maxLength: 64, description: "a link's public id (not its token)" });

const Version = Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'the pinned version; null: the link follows the current content' });

/** `POST /api/images/…/links`. */
export const NewLink = Type.Object(
  {
    expires_in: Type.Optional(
      Type.Integer({ minimum: 1, description: 'seconds until the link expires: from 1 to the server\'s [limits] max_link_seconds (default 2592000, 30 days); default 604800 (7 days) or that limit if lower' }),
    ),
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'pin this version of the image; omitted: the link follows the current content' })),
  },
  closed,
);
export type NewLink = Static<typeof NewLink>;

/** The 201 answer: the only time the token (inside `url`) is shown. */
export const CreatedLink = Type.Object(
  {
    id: LinkId,
    url: Type.String({ format: 'uri', description: 'the absolute HTTPS download URL, token included; shown only now: keep it secret' }),
    expires: Time,
    version: Version,
  },
  closed,
);
export type CreatedLink = Static<typeof CreatedLink>;

/** A link the server made for a HEPiX image list names the list: `imagelist:owner/list`. */
const ListLinkMaker = Type.String({ pattern: `^imagelist:${ACCOUNT_NAME_PATTERN.replace(/^\^|\$$/g, '')}/[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`, description: 'a link made for an image list' });

/** A link as listed: never its token. */
export const Link = Type.Object(
  {
    id: LinkId,
    expires: Time,
    version: Version,
    created: Time,
    created_by: Type.Union([UserName, ListLinkMaker], { description: 'the user who made it, or imagelist:OWNER/LIST for a link the server made for that HEPiX image list' }),
    downloads: Type.Integer({ minimum: 0, description: 'downloads through the link (GETs of the whole image or of a range starting at its first byte)' }),
  },
  closed,
);
export type Link = Static<typeof Link>;

export const LinkList = Type.Array(Link);
