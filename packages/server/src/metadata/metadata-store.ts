/**
 * The metadata store contract for accounts: users, groups, memberships and group permissions
 * (the image store's contract is `image-store.ts`; `MetadataStores` bundles them all).
 * Services depend on these interfaces only; `sql-user-store.ts` and `sql-group-store.ts`
 * implement them with kysely for every SQL dialect. Records are plain, immutable values with
 * portable types (booleans as booleans, timestamps as ISO 8601 UTC strings). Names are
 * validated by the services before they reach a store; stores enforce uniqueness and
 * referential integrity, nothing else (no permission checks here). Every method is safe when
 * several server instances use one database at once: a write that loses a race throws one of
 * the errors of `store-errors.ts` (UniqueViolation, MissingReference, LastMember) and writes
 * nothing, never an engine error.
 */
import type { WriteCounter } from './write-counter.js';
import type { ImageListStore } from './image-list-store.js';
import type { BlobBlockStore } from './blob-block-store.js';
import type { ImageStore } from './image-store.js';
import type { LinkStore } from './link-store.js';
import type { QuotaStore } from './quota-store.js';
import type { UploadStore } from './upload-store.js';

export interface UserRecord {
  readonly id: number;
  readonly name: string;
  readonly clientDn: string;
  readonly fullName: string;
  readonly email: string;
  readonly suspended: boolean;
  readonly created: string;
  readonly modified: string;
  /** The quotas an admin set; null: the server's `[quotas]` default applies; 0: unlimited. */
  readonly quotaBytes: number | null;
  readonly quotaImages: number | null;
}

export interface NewUser {
  readonly name: string;
  readonly clientDn: string;
  readonly fullName?: string;
  readonly email?: string;
  readonly suspended?: boolean;
}

export type UserChanges = Partial<Pick<UserRecord, 'clientDn' | 'fullName' | 'email' | 'suspended' | 'quotaBytes' | 'quotaImages'>>;

export interface GroupRecord {
  readonly id: number;
  readonly name: string;
  /** Built-in groups (`admins`, `users`): never deleted nor renamed. */
  readonly protected: boolean;
  /** FQAN patterns whose holders are members for a request (SPEC §2.1); stored as given. */
  readonly vomsFqans: readonly string[];
  /** An unknown DN with a matching trusted FQAN becomes a user at first login. */
  readonly vomsAutoRegister: boolean;
  readonly created: string;
  readonly modified: string;
}

/** The VOMS settings of a group; an absent field is left as it is. */
export interface GroupVomsChanges {
  readonly vomsFqans?: readonly string[];
  readonly vomsAutoRegister?: boolean;
}

export interface UserStore {
  /**
   * Inserts a user and, in the same transaction, makes it a member of the `users` group and of
   * `groupIds`. Throws UniqueViolation when the name or the DN is taken, MissingReference when
   * one of the groups is gone (nothing is written).
   */
  create(user: NewUser, groupIds: readonly number[]): Promise<UserRecord>;
  /** The user with exactly this name, or undefined. */
  findByName(name: string): Promise<UserRecord | undefined>;
  /** The user whose DN is exactly `dn` (byte for byte; no prefix or case folding), or undefined. */
  findByDn(dn: string): Promise<UserRecord | undefined>;
  /** Every user, ordered by name. */
  list(): Promise<UserRecord[]>;
  /**
   * Applies the changes and bumps `modified`; returns the new record, or undefined when the
   * user no longer exists. Throws UniqueViolation when the new DN belongs to another user.
   */
  update(id: number, changes: UserChanges): Promise<UserRecord | undefined>;
  /**
   * Deletes the user with its memberships, images rows and shares; false when it did not exist.
   * With `keepMemberIn`, throws LastMember instead when the user is the only member of that
   * group (checked under the group's lock: of two instances deleting the last two members, one
   * fails).
   */
  delete(id: number, options?: { readonly keepMemberIn?: number }): Promise<boolean>;
}

export interface NewGroup extends GroupVomsChanges {
  readonly name: string;
  readonly protected?: boolean;
}

export interface GroupStore {
  /**
   * Inserts a group with its members and permissions in one transaction. Throws
   * UniqueViolation when the name is taken, MissingReference when a member is gone (nothing
   * is written).
   */
  create(group: NewGroup, memberIds: readonly number[], permissions: readonly string[]): Promise<GroupRecord>;
  /** The group with exactly this name, or undefined. */
  findByName(name: string): Promise<GroupRecord | undefined>;
  /** Every group, ordered by name. */
  list(): Promise<GroupRecord[]>;
  /** Renames and bumps `modified`; undefined when gone; UniqueViolation when the name is taken. */
  rename(id: number, name: string): Promise<GroupRecord | undefined>;
  /** Sets the VOMS settings given and bumps `modified`; undefined when the group is gone. */
  setVoms(id: number, changes: GroupVomsChanges): Promise<GroupRecord | undefined>;
  /** The groups that list at least one FQAN pattern, ordered by name. */
  listWithVomsFqans(): Promise<GroupRecord[]>;
  /** Deletes the group with its memberships, permissions and shares; false when it did not exist. */
  delete(id: number): Promise<boolean>;

  /** Names of the group's members, ordered. */
  memberNames(groupId: number): Promise<string[]>;
  /** For each given user id, the names of its groups, ordered (users without groups map to []). */
  groupNamesOf(userIds: readonly number[]): Promise<Map<number, string[]>>;
  /**
   * Adds a member; a no-op when already one (also when two instances add it at once). Bumps
   * the group's `modified` when it changes. Throws MissingReference when the group or the user
   * is gone.
   */
  addMember(groupId: number, userId: number): Promise<void>;
  /**
   * Removes a member; false when it was not one (or the group is gone). Bumps `modified` when
   * it changes. With `keepLast`, throws LastMember instead of removing the only member
   * (checked under the group's lock, so that two instances removing the last two cannot both
   * succeed).
   */
  removeMember(groupId: number, userId: number, options?: { readonly keepLast?: boolean }): Promise<boolean>;

  /** The permissions granted to the group, ordered. */
  permissionsOf(groupId: number): Promise<string[]>;
  /** The union of the permissions of every group the user belongs to, ordered. */
  permissionsOfUser(userId: number): Promise<string[]>;
  /**
   * Grants a permission; a no-op when already granted. Bumps `modified` when it changes.
   * Throws MissingReference when the group is gone.
   */
  grant(groupId: number, permission: string): Promise<void>;
  /** Revokes a permission; false when it was not granted. Bumps `modified` when it changes. */
  revoke(groupId: number, permission: string): Promise<boolean>;
}

/** The account and image stores over one database, and the database's own health and lifetime. */
export interface MetadataStores {
  readonly users: UserStore;
  readonly groups: GroupStore;
  readonly images: ImageStore;
  readonly quotas: QuotaStore;
  /** Download links (`link-store.ts`). */
  readonly links: LinkStore;
  /** Counts the writes made through `users` and `groups` (the caller cache's staleness test). */
  readonly accountWrites: WriteCounter;
  /** Counts the writes made through every store (the answer cache's staleness test, `http/answer-cache.ts`). */
  readonly writes: WriteCounter;
  readonly imageLists: ImageListStore;
  /** Resumable uploads in progress (migration 0007). */
  readonly uploads: UploadStore;
  /** Block lists of blobs, for delta re-saves (migration 0011). */
  readonly blobBlocks: BlobBlockStore;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Resolves when the database accepts a write (a committed no-op update); rejects otherwise (locked, read-only, full). */
  probeWrite(): Promise<void>;
  /** Closes the connections; the stores must not be used afterwards. */
  close(): Promise<void>;
}
