/**
 * The JSON shape of an image as the API returns it: SPEC §3 "Image record", field for field
 * (snake_case, as the 2011 API). `file_url` is the HTTPS download URL; `http_file_url` the
 * plain-HTTP one, given only for public images when the plain-HTTP listener is on. The
 * services answer records (`SharedImage`); the routes render them here, with the base URLs
 * (`FileLinks`, see `file-links.ts`) from the configured `public_url` or the request's Host.
 */
import type { ImageRecord, ImageVersion } from '../metadata/image-store.js';
import type { SharedImage } from '../services/shared-image.js';

/** Base URLs (scheme, host and port, no trailing slash) of the two listeners. */
export interface FileLinks {
  readonly https: string;
  /** null when the plain-HTTP listener is off. */
  readonly http: string | null;
}

export interface ImageView {
  readonly name: string;
  readonly owner: string;
  readonly uuid: string;
  readonly description: string;
  readonly os_variant: string;
  readonly os_type: string;
  readonly os_arch: string;
  readonly hypervisor: string;
  /** Bytes; null while the image is an empty slot. */
  readonly size: number | null;
  /** `value` is null while the image is an empty slot. */
  readonly checksum: { readonly type: 'sha256'; readonly value: string | null };
  readonly version: number;
  /** How many versions are kept. */
  readonly versions: number;
  readonly status: 'empty' | 'ready';
  readonly created: string;
  readonly uploaded: string | null;
  readonly modified: string;
  readonly expires: string | null;
  readonly read_only: boolean;
  readonly unauthenticated_access: boolean;
  readonly shared_with: { readonly users: readonly string[]; readonly groups: readonly string[] };
  readonly file_url: string;
  readonly http_file_url: string | null;
  /** null while unknown (no upload yet, or none since the upgrade that added it). */
  readonly disk_format: string | null;
  readonly virtual_size: number | null;
  readonly min_disk: number;
  readonly min_ram: number;
}

/** The path of an image's bytes (upload and download), in its owner's namespace. */
export function rawPath(owner: string, name: string): string {
  return `/api/images/raw/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}

export function toImageView({ image, shares }: SharedImage, links: FileLinks): ImageView {
  const path = rawPath(image.owner, image.name);
  return {
    name: image.name,
    owner: image.owner,
    uuid: image.uuid,
    description: image.description,
    os_variant: image.osVariant,
    os_type: image.osType,
    os_arch: image.osArch,
    hypervisor: image.hypervisor,
    size: image.size,
    checksum: { type: 'sha256', value: image.checksum },
    version: image.version,
    versions: image.versions,
    status: image.status,
    created: image.created,
    uploaded: image.uploaded,
    modified: image.modified,
    expires: image.expires,
    read_only: image.readOnly,
    unauthenticated_access: image.unauthenticatedAccess,
    shared_with: { users: shares.users, groups: shares.groups },
    file_url: `${links.https}${path}`,
    http_file_url: image.unauthenticatedAccess && links.http !== null ? `${links.http}${path}` : null,
    disk_format: image.diskFormat,
    virtual_size: image.virtualSize,
    min_disk: image.minDisk,
    min_ram: image.minRam,
  };
}

/** One kept version as `GET …/versions` lists it. */
export interface VersionView {
  readonly version: number;
  readonly size: number;
  readonly checksum: { readonly type: 'sha256'; readonly value: string };
  readonly disk_format: string | null;
  readonly virtual_size: number | null;
  readonly uploaded: string;
  readonly uploaded_by: string | null;
  /** The image's current content. */
  readonly current: boolean;
}

export function toVersionView(version: ImageVersion, image: Pick<ImageRecord, 'version'>): VersionView {
  return {
    version: version.version,
    size: version.size,
    checksum: { type: 'sha256', value: version.sha256 },
    disk_format: version.diskFormat,
    virtual_size: version.virtualSize,
    uploaded: version.uploaded,
    uploaded_by: version.uploadedBy,
    current: version.version === image.version,
  };
}
