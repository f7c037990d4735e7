// The `[storage]` section of the server configuration as the blob store needs it. The config
// module owns validation, defaults and environment overrides; this type is what it must hand
// over, so that storage does not depend on the config module and the config module can check
// its schema against this type.

export interface StorageConfig {
  /** Which driver stores the bytes. */
  readonly driver: 'fs' | 's3';
  /** fs: the root directory (created if missing). s3: unused (keys live at the bucket's root). */
  readonly path: string;
  /** s3 only: the endpoint URL, e.g. a Ceph RADOS Gateway. */
  readonly endpoint?: string;
  /** s3 only: the region requests are signed for (default us-east-1). */
  readonly region?: string;
  /** s3 only: the bucket, created if missing; it must not have versioning enabled. */
  readonly bucket?: string;
  /** s3 only: static credentials; both empty means the AWS SDK's default chain (environment, instance role). */
  readonly access_key_id?: string;
  readonly secret_access_key?: string;
  /** s3 only: address buckets as `endpoint/bucket` rather than `bucket.endpoint` (RGW needs it). */
  readonly force_path_style?: boolean;
}
