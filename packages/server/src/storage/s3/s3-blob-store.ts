// The S3 driver of the blob store, for any S3-compatible object store (AWS S3, Ceph RGW,
// MinIO). One bucket holds `blobs/sha256/ab/<digest>` (committed, content-addressed, the same
// layout as the filesystem driver), `uploads/<uuid>` (temporary objects and unfinished
// multipart uploads, see s3-blob-upload.ts) and `resumable/` (s3-resumable-upload.ts; a delta
// re-save's, based on a blob, s3-based-upload.ts). Reads are single GetObject requests, ranged when
// asked: once S3 has answered, the response streams the object as it was, even if it is
// deleted or overwritten meanwhile (Ceph RGW keeps the old data for rgw_gc_obj_min_wait, 2 h
// by default). The bucket is created when missing; it must not have versioning enabled, or
// deletes and overwrites would keep old versions forever.
import type { S3Client } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
} from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BLOCK_LIST_BYTES } from '@repoman/bytes';
import { BlobNotFoundError } from '../blob-errors.js';
import { BLOB_KEY_PREFIX, digestOfBlobKey } from '../blob-key.js';
import type { BlobStat, BlobStore, BlobUpload, ByteRange, ResumableUpload, StoredResumable } from '../blob-store.js';
import { S3BasedUpload } from './s3-based-upload.js';
import { S3BlobUpload } from './s3-blob-upload.js';
import { listMultipartUploads, listObjects, listS3Resumable } from './s3-resumable-listing.js';
import { S3ResumableUpload } from './s3-resumable-upload.js';
import { isBucketOwnedByUs, isInvalidRange, isNoSuchBucket, isNoSuchKey, isNoSuchUpload } from './s3-errors.js';
import type { ServerCopyLimits } from './s3-server-copy.js';

const MiB = 1024 * 1024;
const UPLOADS_PREFIX = 'uploads/';

export interface S3BlobStoreOptions extends ServerCopyLimits {
  readonly client: S3Client;
  readonly bucket: string;
  /**
   * Size of each multipart part, and of the two buffers an upload holds (default 16 MiB:
   * 32 MiB of memory per upload, uploads up to 156 GiB; a larger maxBytes raises it).
   * S3 requires at least 5 MiB.
   */
  readonly partBytes?: number;
}

export class S3BlobStore implements BlobStore {
  /** Uploads this instance runs, by id: sweepUploads() leaves them alone. */
  readonly #active = new Set<string>();
  readonly client: S3Client;
  readonly bucket: string;
  readonly #partBytes: number;
  readonly #copy: ServerCopyLimits;

  private constructor(options: S3BlobStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.#partBytes = options.partBytes ?? 16 * MiB;
    this.#copy = { maxCopyObjectBytes: options.maxCopyObjectBytes, copyPartBytes: options.copyPartBytes, copyConcurrency: options.copyConcurrency };
    if (!Number.isSafeInteger(this.#partBytes) || this.#partBytes < 5 * MiB) {
      throw new RangeError(`partBytes must be at least 5 MiB (S3's smallest part), got ${this.#partBytes}`);
    }
  }

  /** Opens a store on `options.bucket`, creating the bucket if it does not exist. */
  static async open(options: S3BlobStoreOptions): Promise<S3BlobStore> {
    const store = new S3BlobStore(options);
    await store.#ensureBucket();
    return store;
  }

  async #ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isNoSuchBucket(error)) throw error;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isBucketOwnedByUs(error)) throw error;
    }
  }

  async createUpload(): Promise<BlobUpload> {
    const id = randomUUID();
    this.#active.add(id);
    return new S3BlobUpload(id, {
      client: this.client,
      bucket: this.bucket,
      tempKey: `${UPLOADS_PREFIX}${id}`,
      partBytes: this.#partBytes,
      copy: this.#copy,
      onSettled: () => this.#active.delete(id),
    });
  }

  createResumable(): Promise<ResumableUpload> {
    return S3ResumableUpload.create(this.#resumableContext);
  }

  /** A delta re-save's upload: one part per block, copied inside S3 (s3-based-upload.ts). */
  async createResumableFrom(key: string, length: number): Promise<ResumableUpload> {
    if (digestOfBlobKey(key) === null) throw new BlobNotFoundError(key);
    return S3BasedUpload.create(this.#resumableContext, key, length);
  }

  openResumable(handle: string): ResumableUpload {
    return S3BasedUpload.owns(handle) ? new S3BasedUpload(handle, this.#resumableContext) : new S3ResumableUpload(handle, this.#resumableContext);
  }

  get #resumableContext() {
    return { client: this.client, bucket: this.bucket, partBytes: this.#partBytes, copy: this.#copy, blockBytes: BLOCK_LIST_BYTES };
  }

  async stat(key: string): Promise<BlobStat | null> {
    if (digestOfBlobKey(key) === null) return null;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0, committedAt: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    if (digestOfBlobKey(key) === null) throw new BlobNotFoundError(key);
    const Range = rangeHeader(range);
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range }));
      if (!(Body instanceof Readable)) throw new Error('S3 GetObject returned no readable body');
      return Body;
    } catch (error) {
      if (isInvalidRange(error)) throw new RangeError(`byte range ${JSON.stringify(range)} selects nothing of blob ${key}`);
      if (isNoSuchKey(error)) throw new BlobNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    if (digestOfBlobKey(key) === null) return;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *list(): AsyncIterable<string> {
    for await (const { Key } of listObjects(this.client, this.bucket, BLOB_KEY_PREFIX)) {
      if (Key !== undefined && digestOfBlobKey(Key) !== null) yield Key;
    }
  }

  /**
   * Aborts the multipart uploads under `uploads/` begun at least `olderThanMs` ago (a write
   * that never finished) and deletes the `uploads/` objects last modified that long ago (a
   * write that finished but was never committed or cancelled), skipping this instance's own
   * uploads. Ages are measured against the S3 server's clock.
   */
  async sweepUploads(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    const removed = new Set<string>();
    const abandoned = (key: string | undefined, since: Date | undefined): key is string =>
      key !== undefined && since !== undefined && since.getTime() <= cutoff && !this.#active.has(key.slice(UPLOADS_PREFIX.length));

    for await (const { Key, UploadId, Initiated } of listMultipartUploads(this.client, this.bucket, UPLOADS_PREFIX)) {
      if (!abandoned(Key, Initiated) || UploadId === undefined) continue;
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }));
        removed.add(Key);
      } catch (error) {
        if (!isNoSuchUpload(error)) throw error; // completed or swept meanwhile
      }
    }
    for await (const { Key, LastModified } of listObjects(this.client, this.bucket, UPLOADS_PREFIX)) {
      if (!abandoned(Key, LastModified)) continue;
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
      removed.add(Key);
    }
    return removed.size;
  }

  listResumable(olderThanMs: number): AsyncIterable<StoredResumable> {
    return listS3Resumable(this.client, this.bucket, olderThanMs);
  }

  /** Closes the client (the store owns the client it was given) and its connections. */
  async close(): Promise<void> {
    this.client.destroy();
  }
}

/**
 * The HTTP Range header for `range`, or undefined for the whole object. Ranges S3 would
 * misread (a negative or non-integer start, an end before the start) are refused here; a
 * start past the end is refused by S3 itself (416), as is any range of an empty object.
 */
function rangeHeader(range: ByteRange | undefined): string | undefined {
  if (range === undefined || (range.start === undefined && range.end === undefined)) return undefined;
  const start = range.start ?? 0;
  const { end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new RangeError(`invalid byte range ${JSON.stringify(range)}`);
  }
  return `bytes=${start}-${end ?? ''}`;
}
