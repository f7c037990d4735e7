/**
 * Auto-registration of VO members (SPEC §2.1): an unknown DN whose trusted FQANs match a group
 * with `voms_auto_register` becomes a user at its first login, a member of `users` only (its
 * VO groups stay per request, from its FQANs). The name is derived from the DN's last CN
 * (`/DC=org/…/CN=Doug Fir` → `doug-fir`, as for bootstrapped admins; `user` when nothing usable
 * is left) and made unique with `-2`, `-3`… Two connections of
 * the same newcomer at once create one user: the loser of the race finds the winner's row.
 */
import type { UserRecord, UserStore } from '../metadata/metadata-store.js';
import { UniqueViolation } from '../metadata/store-errors.js';
import { userNameFromDn } from './admin-bootstrap.js';
import { lastCommonName } from './client-dn.js';

const MAX_TRIES = 100;

/** The user registered for `dn`: found, or created now under a free name. */
export async function registerVomsUser(users: UserStore, dn: string): Promise<{ user: UserRecord; created: boolean }> {
  const base = userNameFromDn(dn, 'user');
  for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
    const name = attempt === 1 ? base : `${base}-${attempt}`;
    if ((await users.findByName(name)) !== undefined) continue;
    try {
      return { user: await users.create({ name, clientDn: dn, fullName: lastCommonName(dn) ?? '' }, []), created: true };
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      const winner = await users.findByDn(dn);
      if (winner !== undefined) return { user: winner, created: false };
    }
  }
  throw new Error(`no free user name for ${dn} after ${MAX_TRIES} tries`);
}
