/**
 * Users (SPEC §3): the user record as the server answers it, the `whoami` record (the user plus
 * its effective permissions), and the bodies that create and modify a user.
 */
import { Type, type Static } from '@sinclair/typebox';
import { GroupName, Permission, Time, UserName } from './common.js';

const closed = { additionalProperties: false } as const;

const userFields = {
  user_name: UserName,
  client_dn: Type.String({ description: "the EEC's subject DN in the grid's slash form, e.g. /C=CA/O=Grid/CN=Bob Smith" }),
  full_name: Type.String(),
  email: Type.String(),
  suspended: Type.Boolean({ description: 'a suspended user gets 403 everywhere' }),
  groups: Type.Array(GroupName, { description: 'the groups the user is a member of' }),
  created: Time,
  modified: Time,
  quota_bytes: Type.Integer({ minimum: 0, description: "bytes the user's images may hold (every kept version counted); 0: unlimited" }),
  quota_images: Type.Integer({ minimum: 0, description: 'images (slots included) the user may own; 0: unlimited' }),
  usage: Type.Object(
    {
      bytes: Type.Integer({ minimum: 0, description: "what the user's images hold" }),
      images: Type.Integer({ minimum: 0, description: 'how many images the user owns' }),
    },
    closed,
  ),
};

export const User = Type.Object(userFields, closed);
export type User = Static<typeof User>;

/** `GET /api/whoami`: the caller's record, its effective permissions, its trusted FQANs and the groups they gave. */
export const Whoami = Type.Object(
  {
    ...userFields,
    permissions: Type.Array(Permission, { description: "the union of the caller's groups' permissions" }),
    admin: Type.Boolean({ description: 'a member of admins: every permission, ownership checks bypassed' }),
    fqans: Type.Array(Type.String(), { description: 'the FQANs of the trusted VOMS attribute certificates of this request' }),
    voms_groups: Type.Array(GroupName, { description: 'the groups those FQANs made the caller a member of, for this request only' }),
  },
  closed,
);
export type Whoami = Static<typeof Whoami>;

export const UserList = Type.Array(User);

/** `PATCH /api/users/{user}`: the user as changed; `warning` when a quota was set below current usage (accepted: it only blocks new uploads). */
export const ModifiedUser = Type.Object({ ...userFields, warning: Type.Optional(Type.String()) }, closed);
export type ModifiedUser = Static<typeof ModifiedUser>;

/** `POST /api/users`. */
export const NewUser = Type.Object(
  {
    user_name: UserName,
    client_dn: Type.String(),
    full_name: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    groups: Type.Optional(Type.Array(GroupName, { description: 'groups to join besides users' })),
  },
  closed,
);
export type NewUser = Static<typeof NewUser>;

/** `PATCH /api/users/{user}`: a user may change its own full_name and email; the rest needs user_modify. */
export const UserChanges = Type.Object(
  {
    full_name: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    client_dn: Type.Optional(Type.String()),
    suspended: Type.Optional(Type.Boolean()),
    quota_bytes: Type.Optional(Type.Integer({ minimum: 0, description: 'admins only; 0: unlimited; below current usage is accepted and only blocks new uploads' })),
    quota_images: Type.Optional(Type.Integer({ minimum: 0, description: 'admins only; 0: unlimited' })),
  },
  closed,
);
export type UserChanges = Static<typeof UserChanges>;
