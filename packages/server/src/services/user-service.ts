/**
 * Users: list, read, create, modify, delete, and a user's groups, images and shared images,
 * with the rules of SPEC §2. Any registered user may list and read users and their groups (a
 * grid repository is a small community, and sharing needs to find people by name); creating
 * needs user_create, deleting user_delete. A user may change its own full_name and email;
 * `client_dn` and `suspended`, and anything on other users, need user_modify. Accounts of
 * admins are managed by admins only (a user_modify holder cannot take over an admin by
 * changing its DN), and the last admin cannot be deleted (checked by the store under the
 * admins group's lock, so that two instances deleting the last two admins cannot both
 * succeed). Putting a new user in groups other than `users` also needs
 * group_modify_membership. A user's images and the images shared with it are listed by the
 * image service.
 */
import type { MetadataStores, UserRecord } from '../metadata/metadata-store.js';
import { LastMember, MissingReference, UniqueViolation } from '../metadata/store-errors.js';
import { requireAdmin, requirePermission, requireUser } from './access.js';
import type { CallerAccount, ModifiedAccount, UserAccount } from './accounts.js';
import { ADMINS_GROUP, USERS_GROUP, type Caller } from './caller.js';
import { checkClientDn } from './client-dn.js';
import { checkAccountName } from './names.js';
import { createQuotaService, UNLIMITED, type QuotaDefaults, type QuotaStatus } from './quotas.js';
import { RepomanError } from './repoman-error.js';

export interface CreateUserInput {
  readonly user_name: string;
  readonly client_dn: string;
  readonly full_name?: string | undefined;
  readonly email?: string | undefined;
  readonly groups?: readonly string[] | undefined;
}

export interface ModifyUserInput {
  readonly full_name?: string | undefined;
  readonly email?: string | undefined;
  readonly client_dn?: string | undefined;
  readonly suspended?: boolean | undefined;
  /** Admins only; 0: unlimited. */
  readonly quota_bytes?: number | undefined;
  readonly quota_images?: number | undefined;
}

const MAX_TEXT = 256;

export type UserService = ReturnType<typeof createUserService>;

export function createUserService(stores: Pick<MetadataStores, 'users' | 'groups' | 'quotas'>, quotaDefaults: QuotaDefaults = UNLIMITED) {
  const { users, groups } = stores;
  const quotas = createQuotaService(stores.quotas, quotaDefaults);

  async function find(name: string): Promise<UserRecord> {
    checkAccountName('user', name);
    const user = await users.findByName(name);
    if (user === undefined) throw new RepomanError('USER_NOT_FOUND', `no user is named ${name}`);
    return user;
  }

  async function view(user: UserRecord): Promise<UserAccount> {
    const [names, status] = await Promise.all([groups.groupNamesOf([user.id]), quotas.statusOf([user])]);
    return { user, groups: names.get(user.id) ?? [], quota: status.get(user.id)! };
  }

  async function isAdminUser(user: UserRecord): Promise<boolean> {
    return ((await groups.groupNamesOf([user.id])).get(user.id) ?? []).includes(ADMINS_GROUP);
  }

  async function dnFree(dn: string, except?: number): Promise<void> {
    const holder = await users.findByDn(dn);
    if (holder !== undefined && holder.id !== except) {
      throw new RepomanError('CONFLICT', `the DN ${dn} is already registered to user ${holder.name}`);
    }
  }

  const conflict = (error: unknown): never => {
    if (error instanceof UniqueViolation) throw new RepomanError('CONFLICT', error.message, { cause: error });
    if (error instanceof MissingReference) throw new RepomanError('GROUP_NOT_FOUND', 'one of the groups was deleted meanwhile', { cause: error });
    throw error;
  };

  return {
    async whoami(caller: Caller): Promise<CallerAccount> {
      const self = requireUser(caller);
      return {
        ...(await view(self.user)),
        permissions: [...self.permissions].sort(),
        admin: self.isAdmin,
        fqans: self.fqans,
        vomsGroups: self.vomsGroups.map((group) => group.name),
      };
    },

    async list(caller: Caller): Promise<UserAccount[]> {
      requireUser(caller);
      const all = await users.list();
      const [memberships, status] = await Promise.all([groups.groupNamesOf(all.map((user) => user.id)), quotas.statusOf(all)]);
      return all.map((user) => ({ user, groups: memberships.get(user.id) ?? [], quota: status.get(user.id)! }));
    },

    async get(caller: Caller, name: string): Promise<UserAccount> {
      requireUser(caller);
      return view(await find(name));
    },

    async create(caller: Caller, input: CreateUserInput): Promise<UserAccount> {
      const actor = requirePermission(caller, 'user_create');
      checkAccountName('user', input.user_name);
      checkClientDn(input.client_dn);
      checkText('full_name', input.full_name);
      checkText('email', input.email);
      const extra = [...new Set(input.groups ?? [])].filter((name) => name !== USERS_GROUP);
      if (extra.length > 0) requirePermission(caller, 'group_modify_membership');
      if (extra.includes(ADMINS_GROUP)) requireAdmin(actor, 'add users to admins');
      const groupIds: number[] = [];
      for (const name of extra) {
        checkAccountName('group', name);
        const group = await groups.findByName(name);
        if (group === undefined) throw new RepomanError('GROUP_NOT_FOUND', `no group is named ${name}`);
        groupIds.push(group.id);
      }
      if ((await users.findByName(input.user_name)) !== undefined) {
        throw new RepomanError('CONFLICT', `a user named ${input.user_name} already exists`);
      }
      await dnFree(input.client_dn);
      const user = await users
        .create({ name: input.user_name, clientDn: input.client_dn, fullName: input.full_name, email: input.email }, groupIds)
        .catch(conflict);
      return view(user);
    },

    async modify(caller: Caller, name: string, input: ModifyUserInput): Promise<ModifiedAccount> {
      const actor = requireUser(caller);
      const user = await find(name);
      if (input.quota_bytes !== undefined || input.quota_images !== undefined) requireAdmin(actor, 'set quotas');
      const privileged = input.client_dn !== undefined || input.suspended !== undefined;
      const self = actor.user.id === user.id;
      if (privileged || !self) {
        requirePermission(caller, 'user_modify');
        if (!self && (await isAdminUser(user))) requireAdmin(actor, 'modify the account of an admin');
      }
      checkText('full_name', input.full_name);
      checkText('email', input.email);
      if (input.client_dn !== undefined) {
        checkClientDn(input.client_dn);
        await dnFree(input.client_dn, user.id);
      }
      if (Object.values(input).every((value) => value === undefined)) return view(user);
      const changed = await users
        .update(user.id, {
          clientDn: input.client_dn,
          fullName: input.full_name,
          email: input.email,
          suspended: input.suspended,
          quotaBytes: input.quota_bytes,
          quotaImages: input.quota_images,
        })
        .catch(conflict);
      if (changed === undefined) throw new RepomanError('USER_NOT_FOUND', `no user is named ${name}`);
      const account = await view(changed);
      const warning = belowUsage(account.quota, input);
      return warning === undefined ? account : { ...account, warning };
    },

    /** Deletes the user and its images rows (their blobs are collected by the storage layer). */
    async delete(caller: Caller, name: string): Promise<void> {
      const actor = requirePermission(caller, 'user_delete');
      const user = await find(name);
      if (await isAdminUser(user)) requireAdmin(actor, 'delete an admin');
      const admins = await groups.findByName(ADMINS_GROUP);
      const deleted = await users.delete(user.id, { ...(admins !== undefined && { keepMemberIn: admins.id }) }).catch((error: unknown) => {
        if (!(error instanceof LastMember)) throw error;
        throw new RepomanError('CONFLICT', `${name} is the last member of admins; add another admin first`, { cause: error });
      });
      if (!deleted) throw new RepomanError('USER_NOT_FOUND', `no user is named ${name}`);
    },

    async groupsOf(caller: Caller, name: string): Promise<string[]> {
      requireUser(caller);
      const user = await find(name);
      return (await groups.groupNamesOf([user.id])).get(user.id) ?? [];
    },
  };
}

function checkText(field: string, value: string | undefined): void {
  if (value === undefined) return;
  // eslint-disable-next-line no-control-regex
  if (value.length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new RepomanError('BAD_REQUEST', `${field} must be at most ${MAX_TEXT} characters, without control characters`);
  }
}

/** A quota just set below current usage is accepted (it only blocks new uploads and images); this says so. */
function belowUsage({ usage, limits }: QuotaStatus, input: ModifyUserInput): string | undefined {
  const over: string[] = [];
  if (input.quota_bytes !== undefined && limits.bytes > 0 && usage.bytes > limits.bytes) {
    over.push(`quota_bytes ${limits.bytes} is below the ${usage.bytes} bytes the user's images hold`);
  }
  if (input.quota_images !== undefined && limits.images > 0 && usage.images > limits.images) {
    over.push(`quota_images ${limits.images} is below the ${usage.images} images the user owns`);
  }
  return over.length === 0 ? undefined : `${over.join('; ')}: accepted; nothing is deleted, but new uploads and images are refused until usage is below the quota`;
}
