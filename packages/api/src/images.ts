/**
 * Images (SPEC §3 "Image record"): the record as the server answers it, the metadata fields a
 * body may set on create and modify (with the server's bounds: description 4096 characters,
 * the other texts 128; `expires` an ISO 8601 date or date-time, "" clears it), the clone body,
 * and the filters and paging of `GET /api/images`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ACCOUNT_NAME_PATTERN, booleanWord, GroupName, ImageName, Time, UserName } from './common.js';

const closed = { additionalProperties: false } as const;

/** SPEC §3's disk formats. */
export const DISK_FORMATS = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx', 'iso', 'ova', 'gzip', 'other'] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];
const MAX_MINIMUM = 2 ** 31 - 1;
const orNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ImageChecksum = Type.Object(
  {
    type: Type.Literal('sha256'),
    value: orNull(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'hex; null while the image is an empty slot' })),
  },
  closed,
);
export type ImageChecksum = Static<typeof ImageChecksum>;

export const Image = Type.Object(
  {
    name: ImageName,
    owner: UserName,
    uuid: Type.String({ format: 'uuid' }),
    description: Type.String(),
    os_variant: Type.String(),
    os_type: Type.String(),
    os_arch: Type.String(),
    hypervisor: Type.String(),
    size: orNull(Type.Integer({ minimum: 0, description: 'bytes; null while the image is an empty slot' })),
    checksum: ImageChecksum,
    version: Type.Integer({ minimum: 0, description: 'counts completed uploads and rollbacks: the current version' }),
    versions: Type.Integer({ minimum: 0, description: 'how many versions are kept (GET …/versions lists them)' }),
    status: Type.Union([Type.Literal('empty'), Type.Literal('ready')]),
    created: Time,
    uploaded: orNull(Time),
    modified: Time,
    expires: orNull(Time),
    read_only: Type.Boolean({ description: 'refuses uploads, modification and deletion until cleared' }),
    unauthenticated_access: Type.Boolean({ description: 'anyone may download it, also over plain HTTP' }),
    shared_with: Type.Object({ users: Type.Array(UserName), groups: Type.Array(GroupName) }, closed),
    file_url: Type.String({ format: 'uri', description: 'the HTTPS download (and upload) URL' }),
    http_file_url: orNull(Type.String({ format: 'uri', description: 'the plain-HTTP download URL; null unless public and that listener is on' })),
    disk_format: orNull(Type.Union(DISK_FORMATS.map((format) => Type.Literal(format)), { description: 'detected at upload unless the uploader set it; null while unknown' })),
    virtual_size: orNull(Type.Integer({ minimum: 0, description: 'guest disk size in bytes (qcow2/VMDK/VHDX/VDI/VHD header; the size for raw); null when unknown' })),
    min_disk: Type.Integer({ minimum: 0, description: 'GB of disk the image needs; 0: not said' }),
    min_ram: Type.Integer({ minimum: 0, description: 'MB of memory the image needs; 0: not said' }),
  },
  closed,
);
export type Image = Static<typeof Image>;

export const ImageList = Type.Array(Image);

const imageFields = {
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  os_variant: Type.Optional(Type.String({ maxLength: 128 })),
  os_type: Type.Optional(Type.String({ maxLength: 128 })),
  os_arch: Type.Optional(Type.String({ maxLength: 128 })),
  hypervisor: Type.Optional(Type.String({ maxLength: 128 })),
  expires: Type.Optional(Type.String({ description: 'ISO 8601 date or date-time (no zone: UTC) after which others get 410 Gone; "" clears it' })),
  read_only: Type.Optional(Type.Boolean()),
  unauthenticated_access: Type.Optional(Type.Boolean()),
  disk_format: Type.Optional(
    Type.Union([...DISK_FORMATS.map((format) => Type.Literal(format)), Type.Literal('')], {
      description: 'wins over what uploads detect; "" detects it again at the next upload',
    }),
  ),
  min_disk: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_MINIMUM, description: 'GB' })),
  min_ram: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_MINIMUM, description: 'MB' })),
};

/** Metadata an image's owner may set on create and modify. */
export const ImageFields = Type.Object(imageFields, closed);
export type ImageFields = Static<typeof ImageFields>;

/** `POST /api/images`: a new empty slot. */
export const NewImage = Type.Object({ name: ImageName, ...imageFields }, closed);
export type NewImage = Static<typeof NewImage>;

/** `PATCH /api/images/…`: the metadata, plus a new name or (admins) a new owner. */
export const ImageChanges = Type.Object({ name: Type.Optional(ImageName), owner: Type.Optional(UserName), ...imageFields }, closed);
export type ImageChanges = Static<typeof ImageChanges>;

/** `POST /api/images/…/clone`: the name of the copy in the caller's namespace. */
export const CloneImage = Type.Object({ name: ImageName }, closed);
export type CloneImage = Static<typeof CloneImage>;

/** A version number as a URL or query gives it. */
export const VersionNumber = Type.Integer({ minimum: 1, maximum: MAX_MINIMUM, description: 'a version number, from GET …/versions' });

/** One kept version of an image (SPEC §3 "Versions"). */
export const ImageVersion = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    size: Type.Integer({ minimum: 0, description: 'bytes' }),
    checksum: Type.Object({ type: Type.Literal('sha256'), value: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, closed),
    disk_format: orNull(Type.Union(DISK_FORMATS.map((format) => Type.Literal(format)))),
    virtual_size: orNull(Type.Integer({ minimum: 0 })),
    uploaded: Time,
    uploaded_by: orNull(Type.String({ description: "the uploader's user name; null for versions from before versions were kept" })),
    current: Type.Boolean({ description: "the image's current content" }),
  },
  closed,
);
export type ImageVersion = Static<typeof ImageVersion>;

/** `GET /api/images/…/versions`: the kept versions, newest first. */
export const ImageVersionList = Type.Array(ImageVersion);

/** `GET /api/images/…/versions/{n}/blocks`: the per-block sha256 of a version, for delta re-saves (SPEC §3 "Blocks"). */
export const BlockList = Type.Object(
  {
    block_size: Type.Integer({ minimum: 1, description: 'bytes per block; the last block may be shorter' }),
    size: Type.Integer({ minimum: 0, description: "the version's size in bytes" }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: "the sha256 of the version's bytes" }),
    blocks: Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { description: 'the sha256 of each block, in order' }),
  },
  closed,
);
export type BlockList = Static<typeof BlockList>;

/** `POST /api/images/…/rollback`: the version whose bytes become current again (as a new version). */
export const Rollback = Type.Object({ version: VersionNumber }, closed);
export type Rollback = Static<typeof Rollback>;

/** `GET /api/images/raw/…` query: a kept version instead of the current content; other parameters (a cache buster) are ignored, as before versions. */
export const DownloadQuery = Type.Object({ version: Type.Optional(VersionNumber) });
export type DownloadQuery = Static<typeof DownloadQuery>;

/**
 * Paging of every image listing (the total goes in `X-Total-Count`; while more follow,
 * `Link: <…>; rel="next"` carries the next page's opaque `cursor`).
 */
const paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'not with cursor' })),
  cursor: Type.Optional(Type.String({ description: 'the opaque position given in the previous page\'s Link header' })),
};

/** The orders of `GET /api/images` (a leading `-`: descending); the cursor of a page keeps it. */
export const IMAGE_SORTS = ['owner', 'name', '-name', 'uploaded', '-uploaded', 'size', '-size'] as const;
export type ImageSortName = (typeof IMAGE_SORTS)[number];
export const ImageSort = Type.Union(IMAGE_SORTS.map((sort) => Type.Literal(sort)), {
  default: 'owner',
  description: 'owner: owner then name (the default); name, uploaded, size: by that, ties by owner, name; a leading - reverses the whole order. Images without bytes have no upload time or size and come first ascending',
});

/** `GET /api/users/{user}/images` and `…/shared` query: paging only. */
export const PageQuery = Type.Object(paging, closed);
export type PageQuery = Static<typeof PageQuery>;

/** `GET /api/images` query: filters and paging. */
export const ImageQuery = Type.Object(
  {
    owner: Type.Optional(UserName),
    shared: Type.Optional(Type.Union([Type.Boolean(), booleanWord(true)], { description: 'only images shared with the caller' })),
    group: Type.Optional(Type.String({ pattern: ACCOUNT_NAME_PATTERN, description: 'only images shared with this group' })),
    public: Type.Optional(Type.Union([Type.Boolean(), booleanWord(true)], { description: 'only public images (unauthenticated_access)' })),
    os: Type.Optional(Type.String({ maxLength: 128, description: 'only images whose os_type or os_variant is this (case-insensitive)' })),
    format: Type.Optional(Type.Union(DISK_FORMATS.map((format) => Type.Literal(format)), { description: 'only images of this disk_format' })),
    q: Type.Optional(Type.String({ description: 'matches the name or the description' })),
    sort: Type.Optional(ImageSort),
    ...paging,
  },
  closed,
);
export type ImageQuery = Static<typeof ImageQuery>;
/** The filters as a client sets them (booleans as booleans). */
export type ImageFilter = Omit<Static<typeof ImageQuery>, 'shared' | 'public'> & { shared?: boolean; public?: boolean };
