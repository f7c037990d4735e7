// The resumable uploads an S3 bucket holds under `resumable/` (BlobStore.listResumable), for the
// sweeper that cancels those no metadata row names. One listing of the objects (a tus upload's
// tails, a delta upload's zeros, a completed object) and one of the multipart uploads, grouped
// by the upload's uuid. A multipart upload with tails is a tus upload; one without is a delta
// upload (or a tus upload killed before its first tail), whose handle holds its length: the
// sum of its parts (one ListParts, asked only of uploads old enough). A uuid with objects but
// no multipart upload is what a commit or cancel cut short left; its handle, with `-` for the
// multipart upload id, only serves to cancel those objects.
import type { S3Client } from '@aws-sdk/client-s3';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { StoredResumable } from '../blob-store.js';
import { S3BasedUpload, ZEROS } from './s3-based-upload.js';
import { RESUMABLE_PREFIX, S3ResumableUpload, TAIL, UUID } from './s3-resumable-upload.js';
import { listParts } from './s3-upload-parts.js';

/** What the objects of one upload say. */
interface UploadObjects {
  /** The newest LastModified, in ms. */
  newest: number;
  tails: boolean;
  zeros: boolean;
  /** The size of the completed object `resumable/<uuid>`, if there is one. */
  completed: number | undefined;
}

const ID_LENGTH = 36;

export async function* listS3Resumable(client: S3Client, bucket: string, olderThanMs: number): AsyncIterable<StoredResumable> {
  const cutoff = Date.now() - olderThanMs;
  const byId = new Map<string, UploadObjects>();
  for await (const { Key, LastModified, Size } of listObjects(client, bucket, RESUMABLE_PREFIX)) {
    const id = Key?.slice(RESUMABLE_PREFIX.length, RESUMABLE_PREFIX.length + ID_LENGTH) ?? '';
    if (!UUID.test(id)) continue;
    const rest = Key!.slice(RESUMABLE_PREFIX.length + ID_LENGTH);
    const objects = byId.get(id) ?? { newest: 0, tails: false, zeros: false, completed: undefined };
    objects.newest = Math.max(objects.newest, LastModified?.getTime() ?? 0);
    if (rest.startsWith(TAIL)) objects.tails = true;
    else if (rest === ZEROS) objects.zeros = true;
    else if (rest === '') objects.completed = Size ?? 0;
    byId.set(id, objects);
  }
  const withUpload = new Set<string>();
  for await (const { Key, UploadId, Initiated } of listMultipartUploads(client, bucket, RESUMABLE_PREFIX)) {
    const id = Key?.slice(RESUMABLE_PREFIX.length) ?? '';
    if (!UUID.test(id) || UploadId === undefined) continue;
    withUpload.add(id);
    const objects = byId.get(id);
    let since = Math.max(Initiated?.getTime() ?? 0, objects?.newest ?? 0);
    if (since > cutoff) continue;
    if (objects?.tails === true) {
      yield { handle: S3ResumableUpload.handleOf(id, UploadId), since: new Date(since) };
      continue;
    }
    const parts = await listParts(client, bucket, Key!, UploadId);
    if (parts === null) continue; // completed or aborted meanwhile
    since = Math.max(since, ...parts.map((part) => part.LastModified?.getTime() ?? 0));
    if (since > cutoff) continue;
    const length = parts.reduce((sum, part) => sum + part.Size, 0);
    yield { handle: S3BasedUpload.handleOf(id, length, UploadId), since: new Date(since) };
  }
  for (const [id, objects] of byId) {
    if (withUpload.has(id) || objects.newest > cutoff) continue;
    // S3BasedUpload.cancel() deletes the completed object and the zeros; S3ResumableUpload's, the completed object and the tails.
    const handle = objects.tails ? S3ResumableUpload.handleOf(id, '-') : S3BasedUpload.handleOf(id, objects.completed ?? 0, '-');
    yield { handle, since: new Date(objects.newest) };
  }
}

/** Every object under `prefix`. */
export async function* listObjects(client: S3Client, bucket: string, prefix: string): AsyncIterable<{ Key?: string; LastModified?: Date; Size?: number }> {
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    yield* page.Contents ?? [];
    ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (ContinuationToken !== undefined);
}

/** Every unfinished multipart upload on a key under `prefix`. */
export async function* listMultipartUploads(client: S3Client, bucket: string, prefix: string): AsyncIterable<{ Key?: string; UploadId?: string; Initiated?: Date }> {
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, UploadIdMarker }));
    yield* page.Uploads ?? [];
    if (page.IsTruncated !== true) return;
    KeyMarker = page.NextKeyMarker;
    UploadIdMarker = page.NextUploadIdMarker;
  }
}
