/**
 * The JSON shapes of accounts as the API returns them (snake_case, as the 2011 API did): a user
 * record and a group record. Built by the services from store records; routes send them as is.
 */
import type { GroupRecord, UserRecord } from '../metadata/metadata-store.js';

export interface UserView {
  readonly user_name: string;
  readonly client_dn: string;
  readonly full_name: string;
  readonly email: string;
  readonly suspended: boolean;
  readonly groups: readonly string[];
  readonly created: string;
  readonly modified: string;
}

/** `GET /api/whoami`: the caller's record and its effective permissions. */
export interface WhoamiView extends UserView {
  readonly permissions: readonly string[];
  readonly admin: boolean;
}

export interface GroupView {
  readonly name: string;
  readonly protected: boolean;
  readonly users: readonly string[];
  readonly permissions: readonly string[];
  readonly created: string;
  readonly modified: string;
}

export function toUserView(user: UserRecord, groups: readonly string[]): UserView {
  return {
    user_name: user.name,
    client_dn: user.clientDn,
    full_name: user.fullName,
    email: user.email,
    suspended: user.suspended,
    groups,
    created: user.created,
    modified: user.modified,
  };
}

export function toGroupView(group: GroupRecord, users: readonly string[], permissions: readonly string[]): GroupView {
  return {
    name: group.name,
    protected: group.protected,
    users,
    permissions,
    created: group.created,
    modified: group.modified,
  };
}
