// One upload of the S3 driver. write() streams the source through the shared ingest loop
// into the temporary object `uploads/<uuid>` (part-sized batches, SHA-256 on the way) and
// completes it, so the bytes are durable in S3 before write() resolves. commit() then copies
// the temporary object server-side to its content address `blobs/sha256/ab/<digest>` and
// deletes the temporary object: S3 has no rename, and a copy onto the same key is also the
// only way to refresh an existing blob's Last-Modified (its committedAt) when identical
// content is committed again, so one copy serves both cases. A copy is atomic: readers see the
// old object or the new one, never a prefix. The order (write once, then commit or cancel;
// cancel interrupts a write in progress) is kept by UploadLifecycle.
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { BlobStoreError, UploadAbortedError } from '../blob-errors.js';
import { blobKeyForDigest } from '../blob-key.js';
import type { BlobRef, BlobWriteResult, UploadSource } from '../blob-store.js';
import { ingestStream } from '../ingest-stream.js';
import { isNoSuchKey } from './s3-errors.js';
import type { ServerCopyLimits } from './s3-server-copy.js';
import { serverSideCopy } from './s3-server-copy.js';
import { MAX_PARTS, S3TempObject } from './s3-temp-object.js';
import { UploadLifecycle } from '../upload-lifecycle.js';

const MiB = 1024 * 1024;

export interface S3UploadContext {
  readonly client: S3Client;
  readonly bucket: string;
  /** The temporary object's key, `uploads/<id>`. */
  readonly tempKey: string;
  /** Size of each part (and of each batch the ingest loop gathers). */
  readonly partBytes: number;
  readonly copy: ServerCopyLimits;
  /** Called once the upload is committed or cancelled, so the sweeper may ignore or take it. */
  readonly onSettled: () => void;
}

export class S3BlobUpload extends UploadLifecycle {
  #temp: S3TempObject | undefined;

  constructor(
    id: string,
    private readonly context: S3UploadContext,
  ) {
    super(id, context.onSettled);
  }

  protected async fill(source: UploadSource, maxBytes: number | undefined, signal: AbortSignal): Promise<BlobWriteResult> {
    const partBytes = partBytesFor(this.context.partBytes, maxBytes);
    const temp = new S3TempObject(this.context.client, this.context.bucket, this.context.tempKey, partBytes);
    this.#temp = temp;
    try {
      const result = await ingestStream(source, (batch) => temp.writeBatch(batch, signal), { maxBytes, signal, batchBytes: partBytes });
      await temp.finish();
      return result;
    } catch (error) {
      // A part upload cut by the signal fails with the SDK's AbortError: report the abort.
      if (signal.aborted && !(error instanceof BlobStoreError)) {
        throw new UploadAbortedError('upload aborted', { cause: signal.reason });
      }
      throw error;
    }
  }

  /** Copies the temporary object onto its content address, then deletes it. */
  protected async publish(result: BlobWriteResult): Promise<BlobRef> {
    const { client, bucket, tempKey } = this.context;
    const key = blobKeyForDigest(result.sha256);
    try {
      await serverSideCopy(client, bucket, tempKey, key, result.size, this.context.copy);
    } catch (error) {
      if (isNoSuchKey(error)) {
        throw new Error(`upload ${this.id}: its temporary object is gone (swept as abandoned?)`, { cause: error });
      }
      throw error;
    }
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: tempKey }));
    return { key, ...result };
  }

  protected async discard(): Promise<void> {
    await this.#temp?.discard();
  }
}

/** The largest part size partBytesFor() picks: 10,000 such parts hold 5 TiB. */
const MAX_AUTO_PART_BYTES = 512 * MiB;

/**
 * The part size for an upload of at most `maxBytes`: the configured size, or more (in whole
 * MiB, up to 512 MiB) if S3's 10,000 parts of the configured size would not hold maxBytes.
 */
export function partBytesFor(configured: number, maxBytes: number | undefined): number {
  if (maxBytes === undefined || !Number.isFinite(maxBytes)) return configured;
  const needed = Math.ceil(maxBytes / MAX_PARTS / MiB) * MiB;
  return Math.max(configured, Math.min(needed, MAX_AUTO_PART_BYTES));
}
