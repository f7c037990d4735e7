// A resumable upload of the S3 driver, after tusd's s3store: an S3 multipart upload on
// `resumable/<uuid>` holds the bytes in parts of at least `partBytes` (S3 wants 5 MiB but for
// the last part), and the short rest of the last append waits in a small object
// `resumable/<uuid>.tail.<n>`, which also says how many parts count: n. The next append puts
// that tail in front of its first part. The offset is the size of parts 1..n plus the tail's,
// so every instance sees the same. An append writes its new tail (n = the parts it reached)
// last and only then deletes the older one, so a crash or a refused digest leaves the old tail
// the newest: the parts sent after it are ignored (and overwritten by the next append, which
// numbers from n + 1). A cut source keeps the parts it completed. The handle is
// `<uuid> <multipart upload id>`. commit() sends the tail as the last part, completes the
// multipart upload, hashes the object in one GET and copies it server-side to its content
// address (as a one-shot upload does); a commit that failed after the completion finds the
// completed object (or, with no part, the tail) and goes on from there. Nothing here is under
// `uploads/`, so sweepUploads() never touches a resumable upload: its metadata row cancels it
// on expiry, and the sweeper cancels those no row names (s3-resumable-listing.ts).
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { AppendDigestError, BlobNotFoundError, BlobStoreError, OffsetMismatchError, UploadAbortedError } from '../blob-errors.js';
import { blobKeyForDigest } from '../blob-key.js';
import type { AppendOptions, BlobRef, BlobWriteResult, ResumableUpload, UploadSource } from '../blob-store.js';
import { ingestStream } from '../ingest-stream.js';
import { isNoSuchKey, isNoSuchUpload } from './s3-errors.js';
import { serverSideCopy, type ServerCopyLimits } from './s3-server-copy.js';
import { MAX_PARTS } from './s3-temp-object.js';
import { appendNothing, listParts, objectSize } from './s3-upload-parts.js';

export const RESUMABLE_PREFIX = 'resumable/';
export const TAIL = '.tail.';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface S3ResumableContext {
  readonly client: S3Client;
  readonly bucket: string;
  readonly partBytes: number;
  readonly copy: ServerCopyLimits;
}

/** What storage holds now: the parts that count, in order, and the size of the tail after them. */
interface Stored {
  readonly parts: CompletedPart[];
  readonly partsBytes: number;
  readonly tailBytes: number;
}

/** What a commit that failed after completing the multipart upload left: the object holding every byte. */
interface Completed {
  readonly whole: string;
  readonly size: number;
}

interface Tail {
  readonly key: string;
  /** How many parts it follows. */
  readonly parts: number;
  readonly size: number;
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

  /** The handle of the upload on `resumable/<id>` whose multipart upload is `uploadId`. */
  static handleOf(id: string, uploadId: string): string {
    return `${id} ${uploadId}`;
  }

  static async create(context: S3ResumableContext): Promise<S3ResumableUpload> {
    const id = randomUUID();
    const { UploadId } = await context.client.send(
      new CreateMultipartUploadCommand({ Bucket: context.bucket, Key: RESUMABLE_PREFIX + id, ContentType: 'application/octet-stream' }),
    );
    if (UploadId === undefined) throw new Error('S3 CreateMultipartUpload returned no UploadId');
    const upload = new S3ResumableUpload(S3ResumableUpload.handleOf(id, UploadId), context);
    await upload.#putTail(0, Buffer.alloc(0));
    return upload;
  }

  async offset(): Promise<number> {
    const stored = await this.#stored();
    return 'whole' in stored ? stored.size : stored.partsBytes + stored.tailBytes;
  }

  async append(offset: number, source: UploadSource, opts: AppendOptions = {}): Promise<{ offset: number; sha256: string }> {
    const { key, uploadId } = this.#names();
    const { client, bucket, partBytes } = this.context;
    const stored = await this.#stored();
    if ('whole' in stored) return appendNothing(stored.size, offset, source, opts); // only the PATCH that retries the commit
    const held = stored.partsBytes + stored.tailBytes;
    if (held !== offset) throw new OffsetMismatchError(offset, held);
    const counted = stored.parts.length;
    /** Bytes not yet in a part: the old tail until the first part takes it, then the new tail. */
    let pending = stored.tailBytes > 0 ? await this.#getBytes(this.#tailKey(counted)) : Buffer.alloc(0);
    let parts = counted;
    let position = offset;
    const signal = opts.signal;
    let digest: string;
    try {
      ({ sha256: digest } = await ingestStream(source, async (batch) => {
        const bytes = pending.length === 0 ? batch : Buffer.concat([pending, batch]);
        if (bytes.length < partBytes) {
          pending = Buffer.from(bytes); // the last, short batch: the new tail (the batch buffer is reused)
        } else {
          if (parts >= MAX_PARTS) throw new Error(`a resumable S3 upload holds at most ${MAX_PARTS} parts; this one is larger`);
          await client.send(
            new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: parts + 1, Body: bytes, ContentLength: bytes.length }),
            { abortSignal: signal },
          );
          parts += 1;
          pending = Buffer.alloc(0);
        }
        position += batch.length;
      }, { ...opts, batchBytes: partBytes }));
    } catch (error) {
      // Keep the parts that arrived whole: the client resumes after them.
      if (parts > counted) await this.#moveTail(counted, parts, pending);
      // A request cut by the signal fails with the SDK's AbortError: report the abort.
      if (signal?.aborted === true && !(error instanceof BlobStoreError)) throw new UploadAbortedError('upload aborted', { cause: signal.reason });
      throw error;
    }
    const expected = typeof opts.sha256 === 'function' ? opts.sha256() : opts.sha256;
    if (expected !== undefined && expected !== digest) throw new AppendDigestError(expected, digest);
    await this.#moveTail(counted, parts, pending);
    return { offset: position, sha256: digest };
  }

  async commit(check?: (written: BlobWriteResult) => Promise<void>, known?: BlobWriteResult): Promise<BlobRef> {
    const stored = await this.#stored();
    const whole = 'whole' in stored ? stored.whole : await this.#complete(stored);
    const ref = await publishObject(this.context, whole, check, known);
    await this.#deleteObjects();
    return ref;
  }

  /** Turns the parts and the tail into one object, and names it. */
  async #complete(stored: Stored): Promise<string> {
    const { key, uploadId } = this.#names();
    const { client, bucket } = this.context;
    let whole = key;
    if (stored.parts.length === 0) {
      // No part: the tail (empty or not) is the whole upload; the multipart upload goes unused.
      whole = this.#tailKey(0);
      await this.#abortMultipart();
    } else {
      const parts = [...stored.parts];
      if (stored.tailBytes > 0) {
        const tail = await this.#getBytes(this.#tailKey(parts.length));
        const PartNumber = parts.length + 1;
        const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: tail, ContentLength: tail.length }));
        parts.push({ PartNumber, ETag });
      }
      // Parts numbered past these (an undone append's) are dropped by the completion.
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    }
    return whole;
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
    return this.#names().key + TAIL + String(parts);
  }

  /**
   * The parts that count and the tail, or what a commit that completed them left (the
   * multipart upload is gone: the completed object, or with no part the tail, which the
   * commit aborted the multipart upload for). BlobNotFoundError once the upload is gone.
   */
  async #stored(): Promise<Stored | Completed> {
    const { key, uploadId } = this.#names();
    const { client, bucket } = this.context;
    const newest = (await this.#tails()).at(-1);
    if (newest === undefined) throw new BlobNotFoundError(this.handle);
    const listed = await listParts(client, bucket, key, uploadId);
    if (listed === null) {
      if (newest.parts === 0) return { whole: newest.key, size: newest.size };
      const size = await objectSize(client, bucket, key);
      if (size === null) throw new BlobNotFoundError(this.handle);
      return { whole: key, size };
    }
    // Parts numbered past the tail's were sent by an append that did not finish.
    const counted = listed.filter((part) => part.PartNumber <= newest.parts);
    if (counted.length !== newest.parts) throw new Error(`resumable upload ${this.handle}: its tail follows ${newest.parts} parts, S3 holds ${counted.length}`);
    const parts = counted.map(({ PartNumber, ETag }) => ({ PartNumber, ETag }));
    return { parts, partsBytes: counted.reduce((sum, part) => sum + part.Size, 0), tailBytes: newest.size };
  }

  /** The tail objects, the one after the fewest parts first. */
  async #tails(): Promise<Tail[]> {
    const prefix = this.#names().key + TAIL;
    const tails: Tail[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.context.client.send(new ListObjectsV2Command({ Bucket: this.context.bucket, Prefix: prefix, ContinuationToken }));
      for (const { Key, Size } of page.Contents ?? []) {
        const parts = Number(Key?.slice(prefix.length));
        if (Key !== undefined && Number.isSafeInteger(parts)) tails.push({ key: Key, parts, size: Size ?? 0 });
      }
      ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
    return tails.sort((x, y) => x.parts - y.parts);
  }

  /** Writes the tail that follows `parts` parts, then deletes the one that followed `from` (when another). */
  async #moveTail(from: number, parts: number, bytes: Buffer): Promise<void> {
    await this.#putTail(parts, bytes);
    if (from !== parts) await this.context.client.send(new DeleteObjectCommand({ Bucket: this.context.bucket, Key: this.#tailKey(from) }));
  }

  async #putTail(parts: number, bytes: Buffer): Promise<void> {
    await this.context.client.send(new PutObjectCommand({ Bucket: this.context.bucket, Key: this.#tailKey(parts), Body: bytes, ContentLength: bytes.length }));
  }

  async #getBytes(key: string): Promise<Buffer> {
    const { Body } = await this.context.client.send(new GetObjectCommand({ Bucket: this.context.bucket, Key: key }));
    if (Body === undefined) throw new Error('S3 GetObject returned no body');
    return Buffer.from(await Body.transformToByteArray());
  }

  async #abortMultipart(): Promise<void> {
    const { key, uploadId } = this.#names();
    await this.context.client.send(new AbortMultipartUploadCommand({ Bucket: this.context.bucket, Key: key, UploadId: uploadId })).catch((error: unknown) => {
      if (!isNoSuchUpload(error) && !isNoSuchKey(error)) throw error;
    });
  }

  /** Deletes the completed object and every tail. */
  async #deleteObjects(): Promise<void> {
    const { key } = this.#names();
    const { client, bucket } = this.context;
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    for (const tail of await this.#tails()) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: tail.key }));
  }
}

/**
 * The end of every resumable commit: hashes the completed object `whole` in one GET (unless
 * the caller knows its size and sha256: `known`), lets `check` refuse it, then copies it
 * server-side to its content address. The caller deletes `whole` afterwards.
 */
export async function publishObject(
  context: Pick<S3ResumableContext, 'client' | 'bucket' | 'copy'>,
  whole: string,
  check?: (written: BlobWriteResult) => Promise<void>,
  known?: BlobWriteResult,
): Promise<BlobRef> {
  const { client, bucket } = context;
  const { size, sha256 } = known ?? (await hashObject(client, bucket, whole));
  await check?.({ size, sha256 });
  const key = blobKeyForDigest(sha256);
  await serverSideCopy(client, bucket, whole, key, size, context.copy);
  return { key, size, sha256 };
}

/** One GET of the whole object through sha256. */
async function hashObject(client: S3Client, bucket: string, key: string): Promise<BlobWriteResult> {
  const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!(Body instanceof Readable)) throw new Error('S3 GetObject returned no readable body');
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of Body) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
