/**
 * Groups, their members and their permissions, with the rules of SPEC §2. Any registered user
 * may list and read groups. Creating needs group_create (plus group_modify_membership to name
 * initial members and group_modify_permissions to grant initial permissions), renaming
 * group_modify, deleting group_delete; membership changes need group_modify_membership and
 * permission changes group_modify_permissions. The built-in groups are protected: `admins` and
 * `users` are never deleted nor renamed, nobody leaves `users`, the permissions of `admins`
 * never change (it has them all), its membership is changed by admins only, and its last
 * member cannot be removed (checked by the store under the group's lock, so that two
 * instances removing the last two admins cannot both succeed). A group or user deleted by
 * another instance between the lookups and the write answers 404, as if it had been gone
 * before. A group's VOMS settings (`voms_fqans` patterns, `voms_auto_register`; SPEC §2.1)
 * decide who is a member for a request, so setting them needs group_modify_membership (and,
 * on admins, being an admin); the patterns are checked and normalised (voms-fqans.ts).
 */
import type { GroupRecord, GroupVomsChanges, MetadataStores } from '../metadata/metadata-store.js';
import { LastMember, MissingReference, UniqueViolation } from '../metadata/store-errors.js';
import { requireAdmin, requirePermission, requireUser } from './access.js';
import type { GroupAccount } from './accounts.js';
import { ADMINS_GROUP, USERS_GROUP, type Caller } from './caller.js';
import { checkAccountName } from './names.js';
import { isPermission, PERMISSIONS, type Permission } from './permissions.js';
import { RepomanError } from './repoman-error.js';
import { checkFqanPatterns } from './voms-fqans.js';

export interface GroupVomsInput {
  readonly voms_fqans?: readonly string[] | undefined;
  readonly voms_auto_register?: boolean | undefined;
}

export interface CreateGroupInput extends GroupVomsInput {
  readonly name: string;
  readonly users?: readonly string[] | undefined;
  readonly permissions?: readonly string[] | undefined;
}

export interface ModifyGroupInput extends GroupVomsInput {
  readonly name?: string | undefined;
}

/** The store's form of the VOMS settings given (patterns checked and normalised). */
function vomsChanges(input: GroupVomsInput): GroupVomsChanges {
  return {
    ...(input.voms_fqans !== undefined && { vomsFqans: checkFqanPatterns(input.voms_fqans) }),
    ...(input.voms_auto_register !== undefined && { vomsAutoRegister: input.voms_auto_register }),
  };
}

const changesVoms = (input: GroupVomsInput): boolean => input.voms_fqans !== undefined || input.voms_auto_register !== undefined;

export type GroupService = ReturnType<typeof createGroupService>;

export function createGroupService(stores: Pick<MetadataStores, 'users' | 'groups'>) {
  const { users, groups } = stores;

  async function find(name: string): Promise<GroupRecord> {
    checkAccountName('group', name);
    const group = await groups.findByName(name);
    if (group === undefined) throw new RepomanError('GROUP_NOT_FOUND', `no group is named ${name}`);
    return group;
  }

  async function userId(name: string): Promise<number> {
    checkAccountName('user', name);
    const user = await users.findByName(name);
    if (user === undefined) throw new RepomanError('USER_NOT_FOUND', `no user is named ${name}`);
    return user.id;
  }

  async function view(group: GroupRecord): Promise<GroupAccount> {
    const [members, permissions] = await Promise.all([groups.memberNames(group.id), groups.permissionsOf(group.id)]);
    return { group, users: members, permissions };
  }

  async function current(group: GroupRecord): Promise<GroupAccount> {
    return view((await groups.findByName(group.name)) ?? group);
  }

  /** For a write that found its group or user deleted meanwhile: the 404 of whichever is gone. */
  async function goneMeanwhile(error: unknown, group: GroupRecord, userName?: string): Promise<never> {
    if (!(error instanceof MissingReference)) throw error;
    if (userName === undefined || (await groups.findByName(group.name)) === undefined) {
      throw new RepomanError('GROUP_NOT_FOUND', `the group ${group.name} was deleted meanwhile`, { cause: error });
    }
    throw new RepomanError('USER_NOT_FOUND', `the user ${userName} was deleted meanwhile`, { cause: error });
  }

  return {
    async list(caller: Caller): Promise<GroupAccount[]> {
      requireUser(caller);
      return Promise.all((await groups.list()).map(view));
    },

    async get(caller: Caller, name: string): Promise<GroupAccount> {
      requireUser(caller);
      return view(await find(name));
    },

    async create(caller: Caller, input: CreateGroupInput): Promise<GroupAccount> {
      requirePermission(caller, 'group_create');
      checkAccountName('group', input.name);
      const members = [...new Set(input.users ?? [])];
      const permissions = [...new Set(input.permissions ?? [])];
      if (members.length > 0 || changesVoms(input)) requirePermission(caller, 'group_modify_membership');
      if (permissions.length > 0) requirePermission(caller, 'group_modify_permissions');
      permissions.forEach(checkPermission);
      const voms = vomsChanges(input);
      const memberIds: number[] = [];
      for (const member of members) memberIds.push(await userId(member));
      if ((await groups.findByName(input.name)) !== undefined) {
        throw new RepomanError('CONFLICT', `a group named ${input.name} already exists`);
      }
      try {
        return await view(await groups.create({ name: input.name, ...voms }, memberIds, permissions));
      } catch (error) {
        if (error instanceof UniqueViolation) throw new RepomanError('CONFLICT', error.message, { cause: error });
        if (error instanceof MissingReference) {
          throw new RepomanError('USER_NOT_FOUND', 'one of the users was deleted meanwhile', { cause: error });
        }
        throw error;
      }
    },

    async modify(caller: Caller, name: string, input: ModifyGroupInput): Promise<GroupAccount> {
      const actor = requirePermission(caller, 'group_modify');
      let group = await find(name);
      const rename = input.name !== undefined && input.name !== group.name ? input.name : undefined;
      const voms = changesVoms(input) ? vomsChanges(input) : undefined;
      // Every check before the first write: a refused rename leaves the VOMS settings unchanged.
      if (voms !== undefined) {
        requirePermission(caller, 'group_modify_membership');
        if (group.name === ADMINS_GROUP) requireAdmin(actor, 'change who is a member of admins');
      }
      if (rename !== undefined) {
        checkAccountName('group', rename);
        if (group.protected) throw new RepomanError('FORBIDDEN', `${group.name} is a built-in group and cannot be renamed`);
        if ((await groups.findByName(rename)) !== undefined) throw new RepomanError('CONFLICT', `a group named ${rename} already exists`);
      }
      if (voms !== undefined) {
        group = (await groups.setVoms(group.id, voms)) ?? (await find(name));
      }
      if (rename === undefined) return view(group);
      try {
        const renamed = await groups.rename(group.id, rename);
        if (renamed === undefined) throw new RepomanError('GROUP_NOT_FOUND', `no group is named ${name}`);
        return await view(renamed);
      } catch (error) {
        if (error instanceof UniqueViolation) throw new RepomanError('CONFLICT', error.message, { cause: error });
        throw error;
      }
    },

    async delete(caller: Caller, name: string): Promise<void> {
      requirePermission(caller, 'group_delete');
      const group = await find(name);
      if (group.protected) throw new RepomanError('FORBIDDEN', `${group.name} is a built-in group and cannot be deleted`);
      if (!(await groups.delete(group.id))) throw new RepomanError('GROUP_NOT_FOUND', `no group is named ${name}`);
    },

    async members(caller: Caller, name: string): Promise<string[]> {
      requireUser(caller);
      return groups.memberNames((await find(name)).id);
    },

    async addMember(caller: Caller, groupName: string, userName: string): Promise<GroupAccount> {
      const actor = requirePermission(caller, 'group_modify_membership');
      const group = await find(groupName);
      const member = await userId(userName);
      if (group.name === ADMINS_GROUP) requireAdmin(actor, 'change the members of admins');
      await groups.addMember(group.id, member).catch((error: unknown) => goneMeanwhile(error, group, userName));
      return current(group);
    },

    async removeMember(caller: Caller, groupName: string, userName: string): Promise<GroupAccount> {
      const actor = requirePermission(caller, 'group_modify_membership');
      const group = await find(groupName);
      const member = await userId(userName);
      if (group.name === USERS_GROUP) throw new RepomanError('FORBIDDEN', 'every user is a member of users; delete the user instead');
      const admins = group.name === ADMINS_GROUP;
      if (admins) requireAdmin(actor, 'change the members of admins');
      await groups.removeMember(group.id, member, { keepLast: admins }).catch((error: unknown) => {
        if (!(error instanceof LastMember)) throw error;
        throw new RepomanError('CONFLICT', `${userName} is the last member of admins; add another admin first`, { cause: error });
      });
      return current(group);
    },

    async permissions(caller: Caller, name: string): Promise<string[]> {
      requireUser(caller);
      return groups.permissionsOf((await find(name)).id);
    },

    async grant(caller: Caller, groupName: string, permission: string): Promise<GroupAccount> {
      requirePermission(caller, 'group_modify_permissions');
      const group = await find(groupName);
      checkPermission(permission);
      if (group.name === ADMINS_GROUP) throw new RepomanError('FORBIDDEN', 'admins has every permission; its permissions cannot be changed');
      await groups.grant(group.id, permission).catch((error: unknown) => goneMeanwhile(error, group));
      return current(group);
    },

    async revoke(caller: Caller, groupName: string, permission: string): Promise<GroupAccount> {
      requirePermission(caller, 'group_modify_permissions');
      const group = await find(groupName);
      checkPermission(permission);
      if (group.name === ADMINS_GROUP) throw new RepomanError('FORBIDDEN', 'admins has every permission; its permissions cannot be changed');
      await groups.revoke(group.id, permission);
      return current(group);
    },

    /** Every permission name, in SPEC order. */
    allPermissions(caller: Caller): readonly Permission[] {
      requireUser(caller);
      return PERMISSIONS;
    },
  };
}

export function checkPermission(name: string): asserts name is Permission {
  if (!isPermission(name)) {
    throw new RepomanError('PERMISSION_NOT_FOUND', `no permission is named ${JSON.stringify(name)}; the permissions are: ${PERMISSIONS.join(', ')}`);
  }
}
