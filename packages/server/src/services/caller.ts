/**
 * Who is asking: the `Caller` every service receives, resolved once per request from the
 * identity the TLS layer verified. A DN that is registered gives that user with its effective
 * permissions (the union of its groups' permissions; members of `admins` have all of them and
 * bypass ownership checks). No certificate, or a valid certificate whose DN is not registered,
 * gives the anonymous caller (the DN is kept for logs only). A suspended user is refused here,
 * so it gets 403 everywhere. DNs are compared exactly: a DN with extra CNs of its own never
 * matches a shorter registered DN.
 *
 * VOMS (SPEC §2.1): the transport also gives the FQANs of the caller's trusted attribute
 * certificates. Every group whose `voms_fqans` patterns match one of them is the caller's for
 * this request only (never stored): its permissions join the caller's and images shared with
 * it become readable. An unknown DN is let in only when one of those groups has
 * `voms_auto_register`: it then becomes a user (see voms-registration.ts).
 */
import type { MetadataStores, UserRecord } from '../metadata/metadata-store.js';
import { isPermission, PERMISSIONS, type Permission } from './permissions.js';
import { RepomanError } from './repoman-error.js';
import { anyFqanMatches } from './voms-fqans.js';
import { registerVomsUser } from './voms-registration.js';

export const ADMINS_GROUP = 'admins';
export const USERS_GROUP = 'users';

/** What the transport verified: the EEC's subject DN (OpenSSL slash form); `limited` for a limited proxy. */
export interface Identity {
  readonly dn: string;
  readonly limited: boolean;
  /** The FQANs of the trusted VOMS attribute certificates (raw, in AC order); absent: none. */
  readonly fqans?: readonly string[];
}

/** Everything a caller's resolution depends on from the connection, as one cache key (anonymous: `-`). */
export function identityKey(identity: Identity | null): string {
  return identity === null ? '-' : JSON.stringify([identity.limited, identity.dn, identity.fqans ?? []]);
}

/** A group the caller belongs to for this request through its FQANs. */
export interface VomsGroup {
  readonly id: number;
  readonly name: string;
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
  /** The trusted FQANs of this request (empty without VOMS). */
  readonly fqans: readonly string[];
  /** The groups those FQANs gave, for this request only (stored memberships not repeated). */
  readonly vomsGroups: readonly VomsGroup[];
}

export type Caller = AnonymousCaller | UserCaller;

export interface ResolveOptions {
  readonly plainHttp: boolean;
  /** Told when a VO member is auto-registered (for the log). */
  readonly onRegistered?: (user: UserRecord, fqans: readonly string[], groups: readonly string[]) => void;
}

export async function resolveCaller(
  stores: Pick<MetadataStores, 'users' | 'groups'>,
  identity: Identity | null,
  options: ResolveOptions,
): Promise<Caller> {
  if (identity === null) return { kind: 'anonymous', dn: null, plainHttp: options.plainHttp };
  const fqans = identity.fqans ?? [];
  const matched = fqans.length === 0 ? [] : (await stores.groups.listWithVomsFqans()).filter((g) => anyFqanMatches(g.vomsFqans, fqans));
  let user = await stores.users.findByDn(identity.dn);
  if (user === undefined) {
    if (!matched.some((group) => group.vomsAutoRegister)) return { kind: 'anonymous', dn: identity.dn, plainHttp: options.plainHttp };
    const registered = await registerVomsUser(stores.users, identity.dn);
    user = registered.user;
    if (registered.created) options.onRegistered?.(user, fqans, matched.map((group) => group.name));
  }
  if (user.suspended) throw new RepomanError('USER_SUSPENDED', `the account ${user.name} is suspended`);
  const stored = (await stores.groups.groupNamesOf([user.id])).get(user.id) ?? [];
  const vomsGroups = matched.filter((group) => !stored.includes(group.name)).map(({ id, name }) => ({ id, name }));
  const isAdmin = stored.includes(ADMINS_GROUP) || vomsGroups.some((group) => group.name === ADMINS_GROUP);
  const permissions: ReadonlySet<Permission> = isAdmin ? new Set(PERMISSIONS) : await permissionsOf(stores, user, vomsGroups);
  return { kind: 'user', user, dn: identity.dn, permissions, isAdmin, limited: identity.limited, fqans, vomsGroups };
}

async function permissionsOf(stores: Pick<MetadataStores, 'groups'>, user: UserRecord, vomsGroups: readonly VomsGroup[]): Promise<Set<Permission>> {
  const lists = await Promise.all([stores.groups.permissionsOfUser(user.id), ...vomsGroups.map((group) => stores.groups.permissionsOf(group.id))]);
  return new Set(lists.flat().filter(isPermission));
}
