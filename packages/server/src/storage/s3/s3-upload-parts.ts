// What S3 holds of a resumable upload, asked the same way by both kinds (s3-resumable-upload.ts,
// s3-based-upload.ts): the parts of its multipart upload, or, once that is gone, whether a
// commit completed it into an object (a commit that failed afterwards, in the hash pass or
// the copy, goes on from that object when tried again); and the one append an upload holding
// every byte takes, the empty one at its end (the PATCH that commits).
import type { S3Client } from '@aws-sdk/client-s3';
import { HeadObjectCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { AppendDigestError, OffsetMismatchError } from '../blob-errors.js';
import type { AppendOptions, UploadSource } from '../blob-store.js';
import { ingestStream } from '../ingest-stream.js';
import { isNoSuchKey, isNoSuchUpload } from './s3-errors.js';

export interface StoredPart {
  readonly PartNumber: number;
  readonly ETag: string | undefined;
  readonly Size: number;
  readonly LastModified: Date | undefined;
}

/** Every part of the multipart upload, in order, or null once it is gone (completed or aborted). */
export async function listParts(client: S3Client, bucket: string, key: string, uploadId: string): Promise<StoredPart[] | null> {
  const parts: StoredPart[] = [];
  let PartNumberMarker: string | undefined;
  try {
    for (;;) {
      const page = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker }));
      for (const { PartNumber, ETag, Size, LastModified } of page.Parts ?? []) parts.push({ PartNumber: PartNumber ?? 0, ETag, Size: Size ?? 0, LastModified });
      if (page.IsTruncated !== true) break;
      PartNumberMarker = page.NextPartNumberMarker;
    }
  } catch (error) {
    // Ceph RGW answers NoSuchKey for a finished or aborted upload; S3, NoSuchUpload.
    if (isNoSuchUpload(error) || isNoSuchKey(error)) return null;
    throw error;
  }
  return parts.sort((x, y) => x.PartNumber - y.PartNumber);
}

/** The size of the object `key`, or null when there is none. */
export async function objectSize(client: S3Client, bucket: string, key: string): Promise<number | null> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength ?? 0;
  } catch (error) {
    if (isNoSuchKey(error)) return null;
    throw error;
  }
}

/** The append of an upload holding all its `held` bytes: only an empty one at `held` fits (BlobTooLargeError for any byte). */
export async function appendNothing(held: number, offset: number, source: UploadSource, opts: AppendOptions): Promise<{ offset: number; sha256: string }> {
  if (offset !== held) throw new OffsetMismatchError(offset, held);
  const { sha256 } = await ingestStream(source, async () => {}, { ...opts, maxBytes: 0 });
  const expected = typeof opts.sha256 === 'function' ? opts.sha256() : opts.sha256;
  if (expected !== undefined && expected !== sha256) throw new AppendDigestError(expected, sha256);
  return { offset, sha256 };
}
