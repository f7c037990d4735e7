// The `[storage]` section of the server configuration as the blob store needs it. The config
// module owns validation, defaults and environment overrides; this type is what it must hand
// over, so that storage does not depend on the config module and the config module can check
// its schema against this type.

export interface StorageConfig {
  /** Which driver stores the bytes. */
  readonly driver: 'fs' | 's3';
  /** fs: the root directory (created if missing). s3: the key prefix inside the bucket. */
  readonly path: string;
  /** s3 only: the endpoint URL, e.g. a Ceph RADOS Gateway. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly bucket?: string;
  readonly access_key_id?: string;
  readonly secret_access_key?: string;
  /** s3 only: address buckets as `endpoint/bucket` rather than `bucket.endpoint` (RGW needs it). */
  readonly force_path_style?: boolean;
}
