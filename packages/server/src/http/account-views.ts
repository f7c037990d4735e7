/**
 * The JSON shapes of accounts as the API returns them (snake_case, as the 2011 API did): a user
 * record, the caller's own record and a group record. The routes render them from what the
 * services answer (`services/accounts.ts`).
 */
import type { CallerAccount, GroupAccount, ModifiedAccount, UserAccount } from '../services/accounts.js';

export interface UserView {
  readonly user_name: string;
  readonly client_dn: string;
  readonly full_name: string;
  readonly email: string;
  readonly suspended: boolean;
  readonly groups: readonly string[];
  readonly created: string;
  readonly modified: string;
  /** 0: unlimited. */
  readonly quota_bytes: number;
  readonly quota_images: number;
  readonly usage: { readonly bytes: number; readonly images: number };
}

/** `PATCH /api/users/{user}`: `warning` when a quota was set below current usage. */
export interface ModifiedUserView extends UserView {
  readonly warning?: string;
}

/** `GET /api/whoami`: the caller's record, its effective permissions and what its VOMS attributes gave. */
export interface WhoamiView extends UserView {
  readonly permissions: readonly string[];
  readonly admin: boolean;
  /** The trusted FQANs of this request, as the attribute certificates carry them. */
  readonly fqans: readonly string[];
  /** The groups those FQANs made the caller a member of, for this request only. */
  readonly voms_groups: readonly string[];
}

export interface GroupView {
  readonly name: string;
  readonly protected: boolean;
  readonly users: readonly string[];
  readonly permissions: readonly string[];
  readonly voms_fqans: readonly string[];
  readonly voms_auto_register: boolean;
  readonly created: string;
  readonly modified: string;
}

export function toUserView({ user, groups, quota }: UserAccount): UserView {
  return {
    user_name: user.name,
    client_dn: user.clientDn,
    full_name: user.fullName,
    email: user.email,
    suspended: user.suspended,
    groups,
    created: user.created,
    modified: user.modified,
    quota_bytes: quota.limits.bytes,
    quota_images: quota.limits.images,
    usage: { bytes: quota.usage.bytes, images: quota.usage.images },
  };
}

export function toModifiedUserView(account: ModifiedAccount): ModifiedUserView {
  return { ...toUserView(account), ...(account.warning !== undefined && { warning: account.warning }) };
}

export function toGroupView({ group, users, permissions }: GroupAccount): GroupView {
  return {
    name: group.name,
    protected: group.protected,
    users,
    permissions,
    voms_fqans: group.vomsFqans,
    voms_auto_register: group.vomsAutoRegister,
    created: group.created,
    modified: group.modified,
  };
}

export function toWhoamiView(account: CallerAccount): WhoamiView {
  return {
    ...toUserView(account), permissions: account.permissions, admin: account.admin, fqans: account.fqans, voms_groups: account.vomsGroups,
  };
}
