// Server-side copy of one object to another key in the same bucket: the bytes never pass
// through Repoman. One CopyObject when S3 allows it (up to 5 GiB on AWS; Ceph RGW copies by
// reference, in milliseconds whatever the size); beyond that limit, or when the server refuses
// a single copy as too large, a multipart upload whose parts are UploadPartCopy ranges of the
// source, a few at a time, aborted if any part fails. Either way the destination appears at
// once and whole, or not at all.
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { isCopyTooLarge } from './s3-errors.js';
import { MAX_PARTS } from './s3-temp-object.js';

const GiB = 1024 * 1024 * 1024;

export interface ServerCopyLimits {
  /** Largest source copied with a single CopyObject (default 5 GiB, the AWS limit). */
  readonly maxCopyObjectBytes?: number;
  /** Size of each UploadPartCopy range above that (default 512 MiB; S3 allows 5 MiB to 5 GiB). */
  readonly copyPartBytes?: number;
  /** UploadPartCopy requests in flight at once (default 4). */
  readonly copyConcurrency?: number;
}

/** Copies `from` (of `size` bytes) onto `to`, replacing any object there. */
export async function serverSideCopy(
  client: S3Client,
  bucket: string,
  from: string,
  to: string,
  size: number,
  limits: ServerCopyLimits = {},
): Promise<void> {
  const source = `${bucket}/${encodeURI(from)}`;
  if (size <= (limits.maxCopyObjectBytes ?? 5 * GiB)) {
    try {
      await client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: source }));
      return;
    } catch (error) {
      if (!isCopyTooLarge(error)) throw error;
    }
  }
  await multipartCopy(client, bucket, source, to, size, limits);
}

async function multipartCopy(client: S3Client, bucket: string, source: string, to: string, size: number, limits: ServerCopyLimits): Promise<void> {
  const partBytes = Math.max(limits.copyPartBytes ?? 512 * 1024 * 1024, Math.ceil(size / MAX_PARTS));
  const partCount = Math.max(1, Math.ceil(size / partBytes));
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: to, ContentType: 'application/octet-stream' }));
  if (UploadId === undefined) throw new Error('S3 CreateMultipartUpload returned no UploadId');
  const parts: CompletedPart[] = new Array<CompletedPart>(partCount);
  try {
    await inParallel(partCount, limits.copyConcurrency ?? 4, async (index) => {
      const first = index * partBytes;
      const last = Math.min(size, first + partBytes) - 1;
      const { CopyPartResult } = await client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: to,
          UploadId,
          PartNumber: index + 1,
          CopySource: source,
          CopySourceRange: `bytes=${first}-${last}`,
        }),
      );
      parts[index] = { PartNumber: index + 1, ETag: CopyPartResult?.ETag };
    });
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId })).catch(() => {});
    throw error;
  }
}

/**
 * Runs `task(0)` … `task(count - 1)`, at most `concurrency` at once. After a failure no new
 * task starts, and every running one settles before the first failure is thrown: a caller
 * that then aborts a multipart upload knows that no part lands after the abort.
 */
export async function inParallel(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count && !failed; index = next++) {
      try {
        await task(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(concurrency, count) }, worker));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}
