/**
 * What the account services answer: a user with the names of its groups, the caller's own
 * account with its effective permissions, and a group with its members and permissions. The
 * HTTP layer renders them as the API's records (`http/account-views.ts`).
 */
import type { GroupRecord, UserRecord } from '../metadata/metadata-store.js';
import type { QuotaStatus } from './quotas.js';

export interface UserAccount {
  readonly user: UserRecord;
  readonly groups: readonly string[];
  /** What the user's images hold, and its effective quotas. */
  readonly quota: QuotaStatus;
}

/** A user as modified: `warning` says when a quota was set below what the user already uses. */
export interface ModifiedAccount extends UserAccount {
  readonly warning?: string;
}

/** The caller's account: `GET /api/whoami`. */
export interface CallerAccount extends UserAccount {
  readonly permissions: readonly string[];
  readonly admin: boolean;
  /** The trusted VOMS FQANs of this request, and the groups they made the caller a member of. */
  readonly fqans: readonly string[];
  readonly vomsGroups: readonly string[];
}

export interface GroupAccount {
  readonly group: GroupRecord;
  readonly users: readonly string[];
  readonly permissions: readonly string[];
}
