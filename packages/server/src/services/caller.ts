/**
 * Who is asking: the `Caller` every service receives, resolved once per request from the
 * identity the TLS layer verified. A DN that is registered gives that user with its effective
 * permissions (the union of its groups' permissions; members of `admins` have all of them and
 * bypass ownership checks). No certificate, or a valid certificate whose DN is not registered,
 * gives the anonymous caller (the DN is kept for logs only). A suspended user is refused here,
 * so it gets 403 everywhere. DNs are compared exactly: a DN with extra CNs of its own never
 * matches a shorter registered DN.
 */
import type { MetadataStores, UserRecord } from '../metadata/metadata-store.js';
import { isPermission, PERMISSIONS, type Permission } from './permissions.js';
import { RepomanError } from './repoman-error.js';

export const ADMINS_GROUP = 'admins';
export const USERS_GROUP = 'users';

/** What the transport verified: the EEC's subject DN (OpenSSL slash form); `limited` for a limited proxy. */
export interface Identity {
  readonly dn: string;
  readonly limited: boolean;
}

export interface AnonymousCaller {
  readonly kind: 'anonymous';
  /** The verified but unregistered DN, or null without a certificate. For logs only. */
  readonly dn: string | null;
  /** True on the plain-HTTP listener, where refusals are 403 instead of 401. */
  readonly plainHttp: boolean;
}

export interface UserCaller {
  readonly kind: 'user';
  readonly user: UserRecord;
  readonly dn: string;
  readonly permissions: ReadonlySet<Permission>;
  readonly isAdmin: boolean;
  /** Authenticated with a limited proxy (kept for later policy; not restricted today). */
  readonly limited: boolean;
}

export type Caller = AnonymousCaller | UserCaller;

export async function resolveCaller(
  stores: Pick<MetadataStores, 'users' | 'groups'>,
  identity: Identity | null,
  options: { plainHttp: boolean },
): Promise<Caller> {
  if (identity === null) return { kind: 'anonymous', dn: null, plainHttp: options.plainHttp };
  const user = await stores.users.findByDn(identity.dn);
  if (user === undefined) return { kind: 'anonymous', dn: identity.dn, plainHttp: options.plainHttp };
  if (user.suspended) throw new RepomanError('USER_SUSPENDED', `the account ${user.name} is suspended`);
  const groups = (await stores.groups.groupNamesOf([user.id])).get(user.id) ?? [];
  const isAdmin = groups.includes(ADMINS_GROUP);
  const permissions: ReadonlySet<Permission> = isAdmin
    ? new Set(PERMISSIONS)
    : new Set((await stores.groups.permissionsOfUser(user.id)).filter(isPermission));
  return { kind: 'user', user, dn: identity.dn, permissions, isAdmin, limited: identity.limited };
}
