/**
 * The JSON records of the Repoman REST API (SPEC §3) as the client sees them: users, groups,
 * the `whoami` answer, image records, and the writable image fields sent on create and modify.
 * Field names are the API's own snake_case, so that `--json` output and scripts see exactly
 * what the server sent.
 */

export interface UserRecord {
  readonly user_name: string;
  readonly client_dn: string;
  readonly full_name: string;
  readonly email: string;
  readonly suspended: boolean;
  readonly groups: readonly string[];
  readonly created: string;
  readonly modified: string;
  /** Quotas (0: unlimited) and what the user's images hold; absent from servers before quotas. */
  readonly quota_bytes?: number;
  readonly quota_images?: number;
  readonly usage?: { readonly bytes: number; readonly images: number };
  /** On modify: a quota was set below current usage (accepted; it only blocks new uploads). */
  readonly warning?: string;
}

/** `GET /api/whoami`: the caller's record, its effective permissions, its trusted VOMS FQANs and the groups they gave. */
export interface WhoamiRecord extends UserRecord {
  readonly permissions: readonly string[];
  readonly admin: boolean;
  readonly fqans?: readonly string[];
  readonly voms_groups?: readonly string[];
}

export interface GroupRecord {
  readonly name: string;
  readonly protected: boolean;
  readonly users: readonly string[];
  readonly permissions: readonly string[];
  /** FQAN patterns whose holders are members for a request (SPEC §2.1). */
  readonly voms_fqans?: readonly string[];
  readonly voms_auto_register?: boolean;
  readonly created: string;
  readonly modified: string;
}

export interface ImageChecksum {
  readonly type: string;
  readonly value: string;
}

export interface ImageRecord {
  readonly name: string;
  readonly owner: string;
  readonly uuid: string;
  readonly description: string | null;
  readonly os_variant: string | null;
  readonly os_type: string | null;
  readonly os_arch: string | null;
  readonly hypervisor: string | null;
  readonly size: number | null;
  readonly checksum: ImageChecksum | null;
  readonly version: number;
  readonly status: 'empty' | 'ready' | string;
  readonly created: string;
  readonly uploaded: string | null;
  readonly modified: string;
  readonly expires: string | null;
  readonly read_only: boolean;
  readonly unauthenticated_access: boolean;
  readonly shared_with: { readonly users: readonly string[]; readonly groups: readonly string[] };
  readonly file_url: string;
  readonly http_file_url: string | null;
}

/** Metadata an image's owner may set on create and modify. */
export interface ImageFields {
  description?: string;
  os_variant?: string;
  os_type?: string;
  os_arch?: string;
  hypervisor?: string;
  /** ISO 8601 time after which others get 410 Gone; `""` clears it. */
  expires?: string;
  read_only?: boolean;
  unauthenticated_access?: boolean;
}

/** `PATCH /api/images/…`: the metadata, plus a new name or (admins) a new owner. */
export interface ImageChanges extends ImageFields {
  name?: string;
  owner?: string;
}

/** Filters of `GET /api/images`. */
export interface ImageFilter {
  owner?: string;
  shared?: boolean;
  /** Shared with this group. */
  group?: string;
  /** Matches the name or the description. */
  q?: string;
}

export interface NewUser {
  user_name: string;
  client_dn: string;
  full_name?: string;
  email?: string;
  groups?: string[];
}

export interface UserChanges {
  full_name?: string;
  email?: string;
  client_dn?: string;
  suspended?: boolean;
  quota_bytes?: number;
  quota_images?: number;
}

export interface NewGroup {
  name: string;
  users?: string[];
  permissions?: string[];
  voms_fqans?: string[];
  voms_auto_register?: boolean;
}

/** `PATCH /api/groups/{group}`. */
export interface GroupChanges {
  name?: string;
  voms_fqans?: string[];
  voms_auto_register?: boolean;
}
