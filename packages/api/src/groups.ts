/**
 * Groups (SPEC §3, VOMS settings §2.1): the group record as the server answers it, the bodies that create and modify
 * (rename) a group, and the lists answered by the membership and permission routes.
 */
import { Type, type Static } from '@sinclair/typebox';
import { GroupName, Permission, Time, UserName } from './common.js';

const closed = { additionalProperties: false } as const;

/** SPEC §2.1: `/atlas` (the VO group and everything below it) or `/atlas/Role=production` (that role only). */
export const FqanPattern = Type.String({ pattern: '^/', description: 'an FQAN pattern: /vo[/group…][/Role=role]' });

const vomsFields = {
  voms_fqans: Type.Array(FqanPattern, { description: 'holders of a matching trusted VOMS FQAN are members for the request (SPEC §2.1)' }),
  voms_auto_register: Type.Boolean({ description: 'an unknown DN with a matching FQAN becomes a user at first login' }),
};

export const Group = Type.Object(
  {
    name: GroupName,
    protected: Type.Boolean({ description: 'admins and users: cannot be renamed or deleted' }),
    users: Type.Array(UserName, { description: 'the members' }),
    permissions: Type.Array(Permission),
    ...vomsFields,
    created: Time,
    modified: Time,
  },
  closed,
);
export type Group = Static<typeof Group>;

export const GroupList = Type.Array(Group);

/** `GET /api/users/{user}/groups`: group names. */
export const GroupNameList = Type.Array(GroupName);

/** `GET /api/groups/{group}/users`: user names. */
export const UserNameList = Type.Array(UserName);

/** `GET /api/permissions`, `GET /api/groups/{group}/permissions`. */
export const PermissionList = Type.Array(Permission);

/** `POST /api/groups`. */
export const NewGroup = Type.Object(
  {
    name: GroupName,
    users: Type.Optional(Type.Array(UserName)),
    permissions: Type.Optional(Type.Array(Permission)),
    voms_fqans: Type.Optional(vomsFields.voms_fqans),
    voms_auto_register: Type.Optional(vomsFields.voms_auto_register),
  },
  closed,
);
export type NewGroup = Static<typeof NewGroup>;

/** `PATCH /api/groups/{group}`: a rename, and the VOMS settings. */
export const GroupChanges = Type.Object(
  {
    name: Type.Optional(GroupName),
    voms_fqans: Type.Optional(vomsFields.voms_fqans),
    voms_auto_register: Type.Optional(vomsFields.voms_auto_register),
  },
  closed,
);
export type GroupChanges = Static<typeof GroupChanges>;
