/**
 * Auto-registration of VO members (SPEC §2.1): an unknown DN whose trusted FQANs match a group
 * with `voms_auto_register` becomes a user at its first login, a member of `users` only (its
 * VO groups stay per request, from its FQANs). The name is derived from the DN's last CN
 * (`/DC=org/…/CN=Doug Fir` → `doug-fir`) and made unique with `-2`, `-3`… Two connections of
 * the same newcomer at once create one user: the loser of the race finds the winner's row.
 */
import type { UserRecord, UserStore } from '../metadata/metadata-store.js';
import { UniqueViolation } from '../metadata/store-errors.js';
import { isAccountName } from './names.js';

const MAX_TRIES = 100;

function lastCn(dn: string): string {
  return [...dn.matchAll(/\/CN=([^/]*)/g)].at(-1)?.[1] ?? '';
}

/** A valid account name made from the DN's last CN (or `user` when it gives none). */
export function nameFromDn(dn: string): string {
  const base = lastCn(dn)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  return isAccountName(base) ? base : `user${base === '' ? '' : `-${base}`}`.slice(0, 56);
}

/** The user registered for `dn`: found, or created now under a free name. */
export async function registerVomsUser(users: UserStore, dn: string): Promise<{ user: UserRecord; created: boolean }> {
  const base = nameFromDn(dn);
  for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
    const name = attempt === 1 ? base : `${base}-${attempt}`;
    if ((await users.findByName(name)) !== undefined) continue;
    try {
      return { user: await users.create({ name, clientDn: dn, fullName: lastCn(dn) }, []), created: true };
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      const winner = await users.findByDn(dn);
      if (winner !== undefined) return { user: winner, created: false };
    }
  }
  throw new Error(`no free user name for ${dn} after ${MAX_TRIES} tries`);
}
