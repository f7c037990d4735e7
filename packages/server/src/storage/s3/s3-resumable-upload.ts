// A resumable upload of the S3 driver, after tusd's s3store: an S3 multipart upload on
// `resumable/<uuid>` holds the bytes in parts of at least `partBytes` (S3 wants 5 MiB but for
// the last part), and the short rest of the last append waits in a small object
// `resumable/<uuid>.tail.<n>`, where n is the number of parts it follows. The next append
// puts that tail in front of its first part. The offset is the parts' sizes (ListParts) plus
// the current tail's size, so every instance sees the same; a tail whose n is not the number
// of parts is stale (its bytes went into a part before a crash could delete it) and ignored.
// The handle is `<uuid> <multipart upload id>`. commit() sends the tail as the last part,
// completes the multipart upload, hashes the object in one GET and copies it server-side to
// its content address (as a one-shot upload does). Nothing here is under `uploads/`, so
// sweepUploads() never touches a resumable upload: its metadata row cancels it on expiry.
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobNotFoundError, BlobStoreError, OffsetMismatchError, UploadAbortedError } from '../blob-errors.js';
import { blobKeyForDigest } from '../blob-key.js';
import type { BlobRef, BlobWriteOptions, ResumableUpload, UploadSource } from '../blob-store.js';
import { ingestStream } from '../ingest-stream.js';
import { isNoSuchKey, isNoSuchUpload } from './s3-errors.js';
import { serverSideCopy, type ServerCopyLimits } from './s3-server-copy.js';
import { MAX_PARTS } from './s3-temp-object.js';

export const RESUMABLE_PREFIX = 'resumable/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface S3ResumableContext {
  readonly client: S3Client;
  readonly bucket: string;
  readonly partBytes: number;
  readonly copy: ServerCopyLimits;
}

/** What storage holds now: the parts in order and the size of the tail that follows them. */
interface Stored {
  readonly parts: CompletedPart[];
  readonly partsBytes: number;
  readonly tailBytes: number;
}

export class S3ResumableUpload implements ResumableUpload {
  readonly #id: string | undefined;
  readonly #uploadId: string | undefined;

  constructor(
    readonly handle: string,
    private readonly context: S3ResumableContext,
  ) {
    const space = handle.indexOf(' ');
    const id = handle.slice(0, space);
    if (space > 0 && UUID.test(id) && space + 1 < handle.length) {
      this.#id = id;
      this.#uploadId = handle.slice(space + 1);
    }
  }

  static async create(context: S3ResumableContext): Promise<S3ResumableUpload> {
    const id = randomUUID();
    const { UploadId } = await context.client.send(
      new CreateMultipartUploadCommand({ Bucket: context.bucket, Key: RESUMABLE_PREFIX + id, ContentType: 'application/octet-stream' }),
    );
    if (UploadId === undefined) throw new Error('S3 CreateMultipartUpload returned no UploadId');
    return new S3ResumableUpload(`${id} ${UploadId}`, context);
  }

  async offset(): Promise<number> {
    const stored = await this.#stored();
    return stored.partsBytes + stored.tailBytes;
  }

  async append(offset: number, source: UploadSource, opts: BlobWriteOptions = {}): Promise<number> {
    const { key, uploadId } = this.#names();
    const { client, bucket, partBytes } = this.context;
    const stored = await this.#stored();
    const held = stored.partsBytes + stored.tailBytes;
    if (held !== offset) throw new OffsetMismatchError(offset, held);
    /** Bytes not yet in a part: the old tail until the first batch takes it. */
    let pending = stored.tailBytes > 0 ? await this.#getBytes(this.#tailKey(stored.parts.length)) : Buffer.alloc(0);
    let parts = stored.parts.length;
    let position = offset;
    const signal = opts.signal;
    try {
      await ingestStream(source, async (batch) => {
        const bytes = pending.length === 0 ? batch : Buffer.concat([pending, batch]);
        if (bytes.length >= partBytes) {
          if (parts >= MAX_PARTS) throw new Error(`a resumable S3 upload holds at most ${MAX_PARTS} parts; this one is larger`);
          await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: parts + 1, Body: bytes, ContentLength: bytes.length }), { abortSignal: signal });
          const stale = this.#tailKey(parts);
          parts += 1;
          if (pending.length > 0) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: stale }));
        } else {
          // The last, short batch: the new tail after the same parts (an atomic replacement).
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: this.#tailKey(parts), Body: bytes, ContentLength: bytes.length }), { abortSignal: signal });
        }
        pending = Buffer.alloc(0);
        position += batch.length;
      }, { ...opts, batchBytes: partBytes });
    } catch (error) {
      // A request cut by the signal fails with the SDK's AbortError: report the abort.
      if (signal?.aborted === true && !(error instanceof BlobStoreError)) throw new UploadAbortedError('upload aborted', { cause: signal.reason });
      throw error;
    }
    return position;
  }

  async commit(): Promise<BlobRef> {
    const { key, uploadId } = this.#names();
    const { client, bucket } = this.context;
    const stored = await this.#stored();
    let whole = key;
    if (stored.parts.length === 0) {
      // No part: the tail (or nothing) is the whole upload; the multipart upload goes unused.
      whole = this.#tailKey(0);
      if (stored.tailBytes === 0) await client.send(new PutObjectCommand({ Bucket: bucket, Key: whole, Body: Buffer.alloc(0), ContentLength: 0 }));
      await this.#abortMultipart();
    } else {
      const parts = [...stored.parts];
      if (stored.tailBytes > 0) {
        const tail = await this.#getBytes(this.#tailKey(parts.length));
        const PartNumber = parts.length + 1;
        const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: tail, ContentLength: tail.length }));
        parts.push({ PartNumber, ETag });
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    }
    const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: whole }));
    if (!(Body instanceof Readable)) throw new Error('S3 GetObject returned no readable body');
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of Body) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    const sha256 = hash.digest('hex');
    const blobKey = blobKeyForDigest(sha256);
    await serverSideCopy(client, bucket, whole, blobKey, size, this.context.copy);
    await this.#deleteObjects();
    return { key: blobKey, size, sha256 };
  }

  async cancel(): Promise<void> {
    if (this.#id === undefined) return;
    await this.#abortMultipart();
    await this.#deleteObjects();
  }

  #names(): { key: string; uploadId: string } {
    if (this.#id === undefined || this.#uploadId === undefined) throw new BlobNotFoundError(this.handle);
    return { key: RESUMABLE_PREFIX + this.#id, uploadId: this.#uploadId };
  }

  #tailKey(parts: number): string {
    return `${this.#names().key}.tail.${parts}`;
  }

  async #stored(): Promise<Stored> {
    const { key, uploadId } = this.#names();
    const parts: CompletedPart[] = [];
    let partsBytes = 0;
    let PartNumberMarker: string | undefined;
    try {
      for (;;) {
        const page = await this.context.client.send(new ListPartsCommand({ Bucket: this.context.bucket, Key: key, UploadId: uploadId, PartNumberMarker }));
        for (const part of page.Parts ?? []) {
          parts.push({ PartNumber: part.PartNumber, ETag: part.ETag });
          partsBytes += part.Size ?? 0;
        }
        if (page.IsTruncated !== true) break;
        PartNumberMarker = page.NextPartNumberMarker;
      }
    } catch (error) {
      // Ceph RGW answers NoSuchKey for a finished or aborted upload; S3, NoSuchUpload.
      if (isNoSuchUpload(error) || isNoSuchKey(error)) throw new BlobNotFoundError(this.handle);
      throw error;
    }
    return { parts, partsBytes, tailBytes: await this.#sizeOf(this.#tailKey(parts.length)) };
  }

  async #sizeOf(key: string): Promise<number> {
    try {
      const head = await this.context.client.send(new HeadObjectCommand({ Bucket: this.context.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNoSuchKey(error) || (error as { name?: string }).name === 'NotFound') return 0;
      throw error;
    }
  }

  async #getBytes(key: string): Promise<Buffer> {
    const { Body } = await this.context.client.send(new GetObjectCommand({ Bucket: this.context.bucket, Key: key }));
    if (Body === undefined) throw new Error('S3 GetObject returned no body');
    return Buffer.from(await Body.transformToByteArray());
  }

  async #abortMultipart(): Promise<void> {
    const { key, uploadId } = this.#names();
    await this.context.client.send(new AbortMultipartUploadCommand({ Bucket: this.context.bucket, Key: key, UploadId: uploadId })).catch((error: unknown) => {
      if (!isNoSuchUpload(error)) throw error;
    });
  }

  /** Deletes the object and every tail, stale ones included. */
  async #deleteObjects(): Promise<void> {
    const { key } = this.#names();
    const { client, bucket } = this.context;
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
    for (const { Key } of page.Contents ?? []) {
      if (Key === key || Key?.startsWith(`${key}.tail.`) === true) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    }
  }
}
