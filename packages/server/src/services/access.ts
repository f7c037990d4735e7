/**
 * The access checks services call before acting: "is there a registered user" (else 401 on
 * HTTPS, 403 on plain HTTP) and "does the caller hold this permission" (else 403 naming it).
 */
import type { Caller, UserCaller } from './caller.js';
import type { Permission } from './permissions.js';
import { RepomanError } from './repoman-error.js';

/** The registered user behind the request; throws UNAUTHENTICATED (or FORBIDDEN on plain HTTP) for anonymous. */
export function requireUser(caller: Caller): UserCaller {
  if (caller.kind === 'user') return caller;
  if (caller.plainHttp) {
    throw new RepomanError('FORBIDDEN', 'only public images can be downloaded over plain HTTP; use HTTPS with your certificate or grid proxy for everything else');
  }
  if (caller.dn !== null) {
    throw new RepomanError('UNAUTHENTICATED', `the certificate ${caller.dn} is not registered with this repository`);
  }
  throw new RepomanError('UNAUTHENTICATED');
}

export function hasPermission(caller: Caller, permission: Permission): boolean {
  return caller.kind === 'user' && caller.permissions.has(permission);
}

/** The registered user, provided it holds `permission`; throws FORBIDDEN naming the permission otherwise. */
export function requirePermission(caller: Caller, permission: Permission): UserCaller {
  const user = requireUser(caller);
  if (!user.permissions.has(permission)) {
    throw new RepomanError('FORBIDDEN', `this needs the ${permission} permission`);
  }
  return user;
}

/** Throws FORBIDDEN unless the caller is a member of `admins`. */
export function requireAdmin(caller: UserCaller, what: string): void {
  if (!caller.isAdmin) throw new RepomanError('FORBIDDEN', `only members of admins may ${what}`);
}
