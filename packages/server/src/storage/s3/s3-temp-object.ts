// The temporary object of one S3 upload, `uploads/<uuid>`, filled batch by batch by the shared
// ingest loop: the loop hands over part-sized batches (one filling while the previous one is
// sent, so an upload holds at most two parts in memory), each sent as one UploadPart with its
// exact ContentLength. Bytes that fit in a single short batch (the whole upload is smaller
// than a part) skip the multipart machinery and become one PutObject. finish() completes the
// multipart upload, so that the temporary object exists whole before commit() copies it;
// discard() aborts the multipart upload and deletes the object, whatever stage was reached.
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { isNoSuchUpload } from './s3-errors.js';

/** S3 numbers parts 1 to 10,000. */
export const MAX_PARTS = 10_000;

export class S3TempObject {
  #uploadId: string | undefined;
  readonly #parts: CompletedPart[] = [];
  /** Some request that may have created something was sent. */
  #touched = false;
  /** The object exists whole (PutObject done or multipart completed). */
  #finished = false;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    readonly key: string,
    /** Size of every part but the last; batches arrive in exactly this size. */
    private readonly partBytes: number,
  ) {}

  /**
   * Sends the next batch. A batch shorter than partBytes is the last one; if it is also the
   * first, it is the whole upload and goes out as a single PutObject. The buffer is not kept.
   */
  async writeBatch(batch: Buffer, signal: AbortSignal): Promise<void> {
    if (this.#uploadId === undefined && batch.length < this.partBytes) {
      await this.#put(batch, signal);
      return;
    }
    if (this.#parts.length >= MAX_PARTS) {
      throw new Error(`an S3 upload holds at most ${MAX_PARTS} parts of ${this.partBytes} bytes; this one is larger`);
    }
    this.#touched = true;
    // Not aborted by the signal: an interrupted create could still leave an upload behind
    // that this object would not know to abort.
    this.#uploadId ??= (await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: 'application/octet-stream' }))).UploadId;
    if (this.#uploadId === undefined) throw new Error('S3 CreateMultipartUpload returned no UploadId');
    const PartNumber = this.#parts.length + 1;
    const { ETag } = await this.client.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.#uploadId, PartNumber, Body: batch, ContentLength: batch.length }),
      { abortSignal: signal },
    );
    this.#parts.push({ PartNumber, ETag });
  }

  /** Makes the object whole: completes the multipart upload, or puts an empty object if no byte came. */
  async finish(): Promise<void> {
    if (this.#finished) return;
    if (this.#uploadId === undefined) {
      await this.#put(Buffer.alloc(0), undefined);
      return;
    }
    await this.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.#uploadId, MultipartUpload: { Parts: this.#parts } }),
    );
    this.#uploadId = undefined;
    this.#finished = true;
  }

  /** Removes whatever exists: the unfinished multipart upload (and its parts) and the object. */
  async discard(): Promise<void> {
    if (!this.#touched) return;
    const uploadId = this.#uploadId;
    this.#uploadId = undefined;
    if (uploadId !== undefined) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId }))
        .catch((error: unknown) => {
          if (!isNoSuchUpload(error)) throw error; // swept meanwhile
        });
    }
    // Also after an abort: a CompleteMultipartUpload or PutObject cut short may have landed.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key }));
    this.#touched = false;
  }

  async #put(body: Buffer, signal: AbortSignal | undefined): Promise<void> {
    this.#touched = true;
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: body, ContentLength: body.length, ContentType: 'application/octet-stream' }),
      { abortSignal: signal },
    );
    this.#finished = true;
  }
}
