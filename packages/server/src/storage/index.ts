// The storage module's public surface: the blob store contract, its errors, and
// createBlobStore(), which opens the driver the configuration names. Services receive the
// BlobStore it returns and never know which driver is behind it. The S3 driver is loaded only
// when configured: the AWS SDK adds resident memory (docs/performance.md) and objects for every
// garbage collection to mark.
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs/fs-blob-store.js';
import type { StorageConfig } from './storage-config.js';

export type { AppendOptions, BlobBody, BlobRef, BlobStat, BlobStore, BlobUpload, BlobWriteOptions, BlobWriteResult, ByteRange, ResumableUpload, StoredResumable, UploadSource } from './blob-store.js';
export { AppendDigestError, BlobNotFoundError, BlobStoreError, BlobTooLargeError, BlockBoundaryError, OffsetMismatchError, UnsupportedUploadError, UploadAbortedError, UploadNotReadyError } from './blob-errors.js';
export type { StorageConfig } from './storage-config.js';

/** Opens the blob store `config` describes; throws for a driver this build cannot run. */
export async function createBlobStore(config: StorageConfig): Promise<BlobStore> {
  switch (config.driver) {
    case 'fs':
      return FsBlobStore.open(config.path);
    case 's3': {
      if (config.bucket === undefined || config.bucket === '') throw new Error('storage driver "s3" needs a bucket');
      const [{ S3BlobStore }, { createS3Client }] = await Promise.all([import('./s3/s3-blob-store.js'), import('./s3/s3-client.js')]);
      const client = createS3Client({
        endpoint: config.endpoint,
        region: config.region,
        accessKeyId: config.access_key_id,
        secretAccessKey: config.secret_access_key,
        forcePathStyle: config.force_path_style,
      });
      try {
        return await S3BlobStore.open({ client, bucket: config.bucket });
      } catch (error) {
        client.destroy();
        throw error;
      }
    }
    default:
      throw new Error(`unknown storage driver ${JSON.stringify((config as { driver: unknown }).driver)}`);
  }
}
