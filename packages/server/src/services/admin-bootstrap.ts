/**
 * Making administrators without an administrator: `repoman-server admin add|list|remove` and
 * the `[admin] dns` list applied at every start. All act as the operator (no Caller, no
 * permission checks) and are idempotent. `admin add` registers the user (or, only when asked,
 * points it at another DN: a silent change would lock its owner out), then ensures it is in
 * `admins`; `admin remove` takes a user out of `admins` but never the last one, so that the
 * web and API keep someone who can manage them. For `[admin] dns`, a DN already registered is put in `admins`; an
 * unknown DN gets a new user named from its last CN (lowercased, other characters turned into
 * "-", e.g. `/…/CN=Doug Fir` → `doug-fir`; `admin` when nothing usable is left), with `-2`,
 * `-3`, … appended when that name is taken. Neither un-suspends a suspended account. Several
 * instances starting at once with the same list race to register the same user: the losers
 * of the unique constraint look again and find it, so every instance starts.
 */
import type { MetadataStores, UserRecord } from '../metadata/metadata-store.js';
import { LastMember, UniqueViolation } from '../metadata/store-errors.js';
import { ADMINS_GROUP } from './caller.js';
import { checkClientDn, lastCommonName } from './client-dn.js';
import { checkAccountName, isAccountName } from './names.js';
import { RepomanError } from './repoman-error.js';

export interface AdminResult {
  readonly user: UserRecord;
  /** The user did not exist and was registered. */
  readonly created: boolean;
  /** The user existed with another DN, now replaced. */
  readonly dnChanged: boolean;
  /** The user was not yet in admins. */
  readonly addedToAdmins: boolean;
}

type Stores = Pick<MetadataStores, 'users' | 'groups'>;

/** Runs `work` again (up to 3 times in all) when another instance won a race to register the same name or DN. */
async function againIfRaced<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof UniqueViolation) || attempt >= 3) throw error;
    }
  }
}

/** `name` is registered with another DN than the one given, and replacing it was not asked for. */
export class DnMismatch extends RepomanError {
  readonly registeredDn: string;

  constructor(name: string, registeredDn: string) {
    super('CONFLICT', `user ${name} is registered with the DN ${registeredDn}`);
    this.registeredDn = registeredDn;
  }
}

export interface EnsureAdminOptions {
  /** Point an existing user at the new DN instead of throwing DnMismatch. */
  readonly replaceDn?: boolean;
}

/** Registers `name` with `dn` (or re-points it, when asked) and makes it a member of admins. */
export function ensureAdmin(stores: Stores, name: string, dn: string, options: EnsureAdminOptions = {}): Promise<AdminResult> {
  return againIfRaced(() => ensureAdminOnce(stores, name, dn, options.replaceDn === true));
}

async function ensureAdminOnce(stores: Stores, name: string, dn: string, replaceDn: boolean): Promise<AdminResult> {
  checkAccountName('user', name);
  checkClientDn(dn);
  const admins = await adminsGroupId(stores);
  const holder = await stores.users.findByDn(dn);
  if (holder !== undefined && holder.name !== name) {
    throw new RepomanError('CONFLICT', `the DN ${dn} is already registered to user ${holder.name}`);
  }
  let user = await stores.users.findByName(name);
  let created = false;
  let dnChanged = false;
  if (user === undefined) {
    user = await stores.users.create({ name, clientDn: dn }, [admins]);
    created = true;
  } else if (user.clientDn !== dn) {
    if (!replaceDn) throw new DnMismatch(name, user.clientDn);
    user = (await stores.users.update(user.id, { clientDn: dn })) ?? user;
    dnChanged = true;
  }
  const addedToAdmins = created ? true : await addToAdmins(stores, admins, user);
  return { user, created, dnChanged, addedToAdmins };
}

/** The members of admins, ordered by name. */
export async function listAdmins(stores: Stores): Promise<UserRecord[]> {
  const names = await stores.groups.memberNames(await adminsGroupId(stores));
  const users = await Promise.all(names.map((name) => stores.users.findByName(name)));
  return users.filter((user): user is UserRecord => user !== undefined);
}

/** Takes `name` out of admins (false: it was not in it); refuses to remove the last admin. */
export async function removeAdmin(stores: Stores, name: string): Promise<boolean> {
  const user = await stores.users.findByName(name);
  if (user === undefined) throw new RepomanError('NOT_FOUND', `no user ${name}`);
  try {
    return await stores.groups.removeMember(await adminsGroupId(stores), user.id, { keepLast: true });
  } catch (error) {
    if (!(error instanceof LastMember)) throw error;
    throw new RepomanError('CONFLICT', `${name} is the last admin; make another user an admin first`);
  }
}

/** Applies `[admin] dns`: each DN's user (registered if needed) becomes a member of admins. */
export async function applyAdminDns(stores: Stores, dns: readonly string[]): Promise<AdminResult[]> {
  const results: AdminResult[] = [];
  for (const dn of dns) {
    checkClientDn(dn);
    results.push(
      await againIfRaced(async () => {
        const admins = await adminsGroupId(stores);
        const existing = await stores.users.findByDn(dn);
        if (existing === undefined) {
          const user = await stores.users.create({ name: await freeName(stores, userNameFromDn(dn)), clientDn: dn }, [admins]);
          return { user, created: true, dnChanged: false, addedToAdmins: true };
        }
        return { user: existing, created: false, dnChanged: false, addedToAdmins: await addToAdmins(stores, admins, existing) };
      }),
    );
  }
  return results;
}

/** A user name derived from the DN's last CN (see the header); `fallback` when nothing usable is left. */
export function userNameFromDn(dn: string, fallback = 'admin'): string {
  const cn = (lastCommonName(dn) ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return isAccountName(cn) ? cn : fallback;
}

async function freeName(stores: Stores, base: string): Promise<string> {
  for (let n = 1; ; n += 1) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if ((await stores.users.findByName(candidate)) === undefined) return candidate;
  }
}

async function adminsGroupId(stores: Stores): Promise<number> {
  const admins = await stores.groups.findByName(ADMINS_GROUP);
  if (admins === undefined) throw new Error('the admins group is missing: run repoman-server migrate');
  return admins.id;
}

async function addToAdmins(stores: Stores, adminsId: number, user: UserRecord): Promise<boolean> {
  const groups = (await stores.groups.groupNamesOf([user.id])).get(user.id) ?? [];
  if (groups.includes(ADMINS_GROUP)) return false;
  await stores.groups.addMember(adminsId, user.id);
  return true;
}
