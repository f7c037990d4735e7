/**
 * The SQL tables of the metadata database as kysely sees them: one interface per table, column
 * names as in SQL. Types are chosen to be portable between SQLite and PostgreSQL: integer ids,
 * integer 0/1 booleans, ISO 8601 UTC timestamps as text, bigint sizes. The DDL that creates
 * them is in `migrations/`.
 */
import type { Generated } from 'kysely';

/** 0 or 1: portable booleans. */
export type IntBoolean = 0 | 1;

export interface UsersTable {
  id: Generated<number>;
  name: string;
  client_dn: string;
  full_name: string;
  email: string;
  suspended: IntBoolean;
  created: string;
  modified: string;
  /** Set by an admin (migration 0005); null: the `[quotas]` default; 0: unlimited. */
  quota_bytes: Generated<number | null>;
  quota_images: Generated<number | null>;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  protected: IntBoolean;
  created: string;
  modified: string;
  /** JSON list of FQAN patterns (migration 0003). */
  voms_fqans: Generated<string>;
  voms_auto_register: Generated<IntBoolean>;
}

export interface GroupMembersTable {
  group_id: number;
  user_id: number;
}

export interface GroupPermissionsTable {
  group_id: number;
  permission: string;
}

export interface ImagesTable {
  id: Generated<number>;
  owner_id: number;
  name: string;
  uuid: string;
  description: string;
  os_variant: string;
  os_type: string;
  os_arch: string;
  hypervisor: string;
  /** Bytes of the current upload; null while empty. */
  size: number | null;
  /** sha256, lowercase hex; null while empty. */
  checksum: string | null;
  /** Key of the current blob in the blob store; null while empty. */
  blob_key: string | null;
  version: number;
  status: 'empty' | 'ready';
  created: string;
  uploaded: string | null;
  modified: string;
  expires: string | null;
  read_only: IntBoolean;
  unauthenticated_access: IntBoolean;
  /** Migration 0004: null while unknown. */
  disk_format: string | null;
  /** 1: the uploader set disk_format, uploads keep it; 0: uploads detect it. */
  disk_format_set: Generated<IntBoolean>;
  virtual_size: number | null;
  min_disk: Generated<number>;
  min_ram: Generated<number>;
}

export interface ImageUserSharesTable {
  image_id: number;
  user_id: number;
}

export interface ImageGroupSharesTable {
  image_id: number;
  group_id: number;
}

/** What an upload or a new slot in flight claims of its user's quota (migration 0005). */
export interface QuotaReservationsTable {
  id: Generated<number>;
  user_id: number;
  bytes: number;
  images: number;
  /** ISO 8601 UTC; a reservation past it no longer counts (its instance crashed). */
  expires: string;
}

/** A download link (migration 0008): the token is stored only as its sha256. */
export interface DownloadLinksTable {
  id: string;
  /** sha256 of the token, lowercase hex. */
  token_hash: string;
  image_id: number;
  /** The pinned version; null: the current content. */
  version: number | null;
  created: string;
  /** The user name of its maker. */
  created_by: string;
  expires: string;
  /** When it was revoked; null: never. */
  revoked: string | null;
  downloads: Generated<number>;
}

/** One kept version of an image (migration 0006); the image row holds the current one's copy. */
export interface ImageVersionsTable {
  id: Generated<number>;
  image_id: number;
  /** Unique per image; the current version is the image's `version`. */
  version: number;
  blob_key: string;
  size: number;
  sha256: string;
  disk_format: string | null;
  virtual_size: number | null;
  uploaded: string;
  /** The uploader's user name (not a reference: a deleted user leaves it); null before 0006. */
  uploaded_by: string | null;
}

/** A HEPiX image list and its last signed document (migration 0009). */
export interface ImageListsTable {
  id: Generated<number>;
  /** The document's dc:identifier, stable for the list's life. */
  uuid: string;
  owner_id: number;
  name: string;
  title: string;
  description: string;
  vo: string | null;
  group_id: number | null;
  created: string;
  modified: string;
  /** hv:version of the stored document (a UTC timestamp as digits, only increasing); null before the first signature. */
  version: number | null;
  /** The S/MIME text served at image.list. */
  document: string | null;
  /** sha256 of the content the document was signed from (everything but its dates and version). */
  content_digest: string | null;
  signed: string | null;
  expires: string | null;
}

export interface ImageListMembersTable {
  list_id: number;
  image_id: number;
}

/** The sha512 of a blob, computed once in the background (migration 0009). */
export interface BlobSha512Table {
  blob_key: string;
  sha512: string;
  computed: string;
}

/** The block list of a blob, computed once in the background (migration 0011). */
export interface BlobBlocksTable {
  blob_key: string;
  block_size: number;
  size: number;
  sha256: string;
  /** The blocks' sha256, 64 hex characters each, concatenated in order. */
  blocks: string;
  computed: string;
}

/** A resumable upload in progress (migration 0007). */
export interface ResumableUploadsTable {
  /** Random, URL-safe; the `{id}` of `/api/uploads/{id}`. */
  id: string;
  image_id: number;
  image_uuid: string;
  user_id: number;
  length: number;
  upload_offset: Generated<number>;
  /** sha256 the client announced (lowercase hex), or null. */
  expected_sha256: string | null;
  /** The raw `Upload-Metadata` header given at creation ('' when none). */
  metadata: Generated<string>;
  /** The blob store's handle of the partial bytes. */
  storage_handle: string;
  created: string;
  /** ISO 8601 UTC; pushed back by every PATCH. */
  expires: string;
  /** The PATCH holding the upload, and until when (ISO 8601 UTC); null when free. */
  lease_token: string | null;
  lease_until: string | null;
  /** The version a delta re-save started from; null for a tus upload (migration 0011). */
  base_version: number | null;
}

export interface Database {
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  group_permissions: GroupPermissionsTable;
  images: ImagesTable;
  image_user_shares: ImageUserSharesTable;
  image_group_shares: ImageGroupSharesTable;
  quota_reservations: QuotaReservationsTable;
  download_links: DownloadLinksTable;
  image_versions: ImageVersionsTable;
  image_lists: ImageListsTable;
  image_list_members: ImageListMembersTable;
  blob_sha512: BlobSha512Table;
  resumable_uploads: ResumableUploadsTable;
  blob_blocks: BlobBlocksTable;
}
