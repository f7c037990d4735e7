// A resumable upload of the S3 driver based on a committed blob (a delta re-save, SPEC §3
// "Blocks"): one multipart upload on `resumable/<uuid>` in which block i of the image is part
// i + 1 (the block size, 8 MiB, is above S3's 5 MiB smallest part; only the last block may be
// shorter). create() fills every part at once inside S3, as the fs driver copies the file at
// once: an UploadPartCopy of the base's range (a few in flight), zeros past the base's end
// copied from a temporary zero object, and the one block that straddles the base's end sent
// as the base's last bytes plus zeros (UploadPartCopy cannot pad). Copying at creation, not at
// commit, means a base version dropped and swept meanwhile changes nothing, and the upload's
// whole state is the multipart upload itself: writeAt() replaces parts with UploadPart, and
// commit() asks ListParts for them, so any instance continues the upload. The handle is
// `based <uuid> <length> <multipart upload id>`. commit() completes the multipart upload, then
// hashes and publishes the object as any resumable commit does (publishObject); a commit that
// failed after the completion finds the completed object and goes on from there.
import type { CompletedPart } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { BlobNotFoundError, BlobStoreError, BlockBoundaryError, OffsetMismatchError, UnsupportedUploadError, UploadAbortedError } from '../blob-errors.js';
import type { AppendOptions, BlobRef, BlobWriteOptions, BlobWriteResult, ResumableUpload, UploadSource } from '../blob-store.js';
import { ingestStream } from '../ingest-stream.js';
import { isNoSuchKey, isNoSuchUpload } from './s3-errors.js';
import { publishObject, RESUMABLE_PREFIX, type S3ResumableContext } from './s3-resumable-upload.js';
import { inParallel } from './s3-server-copy.js';
import { appendNothing, listParts, objectSize } from './s3-upload-parts.js';
import { MAX_PARTS } from './s3-temp-object.js';

const PREFIX = 'based ';
/** The suffix of the temporary object of zeros that create() copies the blocks past the base's end from. */
export const ZEROS = '.zeros';
const HANDLE = /^based ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) (0|[1-9][0-9]{0,15}) (\S.*)$/;

export interface S3BasedContext extends S3ResumableContext {
  /** The block of a delta re-save, one part each (BLOCK_LIST_BYTES). */
  readonly blockBytes: number;
}

export class S3BasedUpload implements ResumableUpload {
  readonly #names: { readonly key: string; readonly length: number; readonly uploadId: string } | undefined;

  constructor(
    readonly handle: string,
    private readonly context: S3BasedContext,
  ) {
    const match = HANDLE.exec(handle);
    if (match !== null) this.#names = { key: RESUMABLE_PREFIX + match[1]!, length: Number(match[2]), uploadId: match[3]! };
  }

  /** The handle of the upload of `length` bytes on `resumable/<id>` whose multipart upload is `uploadId`. */
  static handleOf(id: string, length: number, uploadId: string): string {
    return `${PREFIX}${id} ${length} ${uploadId}`;
  }

  /** Whether `handle` names an upload of this kind (the store opens it with this class). */
  static owns(handle: string): boolean {
    return handle.startsWith(PREFIX);
  }

  /** The upload of `length` bytes whose every part starts as the blob `baseKey`'s (zeros past its end). */
  static async create(context: S3BasedContext, baseKey: string, length: number): Promise<S3BasedUpload> {
    const { client, bucket, blockBytes } = context;
    const blocks = Math.ceil(length / blockBytes);
    if (blocks > MAX_PARTS) {
      throw new UnsupportedUploadError(`an upload based on a blob holds at most ${MAX_PARTS} blocks of ${blockBytes} bytes on S3; ${length} bytes need ${blocks}`);
    }
    const baseSize = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: baseKey })).then(
      (head) => head.ContentLength ?? 0,
      (error: unknown) => {
        throw isNoSuchKey(error) ? new BlobNotFoundError(baseKey) : error;
      },
    );
    const id = randomUUID();
    const key = RESUMABLE_PREFIX + id;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/octet-stream' }));
    if (UploadId === undefined) throw new Error('S3 CreateMultipartUpload returned no UploadId');
    const upload = new S3BasedUpload(S3BasedUpload.handleOf(id, length, UploadId), context);
    const zeros = key + ZEROS;
    const zeroBlocks = blocks - Math.min(blocks, Math.ceil(baseSize / blockBytes));
    try {
      if (zeroBlocks > 0) {
        const bytes = Buffer.alloc(Math.min(blockBytes, length - (blocks - zeroBlocks) * blockBytes));
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: zeros, Body: bytes, ContentLength: bytes.length }));
      }
      await inParallel(blocks, context.copy.copyConcurrency ?? 4, async (index) => {
        const start = index * blockBytes;
        const end = Math.min(length, start + blockBytes);
        const part = { Bucket: bucket, Key: key, UploadId, PartNumber: index + 1 };
        if (end <= baseSize || start >= baseSize) {
          const [source, first] = end <= baseSize ? [baseKey, start] : [zeros, 0];
          const range = `bytes=${first}-${first + end - start - 1}`;
          await client.send(new UploadPartCopyCommand({ ...part, CopySource: `${bucket}/${encodeURI(source)}`, CopySourceRange: range }));
        } else {
          // The block across the base's end: its base bytes (less than a block) then zeros.
          const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: baseKey, Range: `bytes=${start}-${baseSize - 1}` }));
          if (Body === undefined) throw new Error('S3 GetObject returned no body');
          const bytes = Buffer.alloc(end - start);
          bytes.set(await Body.transformToByteArray());
          await client.send(new UploadPartCommand({ ...part, Body: bytes, ContentLength: bytes.length }));
        }
      });
    } catch (error) {
      await upload.#abort();
      throw isNoSuchKey(error) ? new BlobNotFoundError(baseKey) : error;
    } finally {
      if (zeroBlocks > 0) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: zeros }));
    }
    return upload;
  }

  /** Every byte is stored from the start: the offset is the length while the upload exists. */
  async offset(): Promise<number> {
    await this.#parts();
    return this.#existing().length;
  }

  /** Only the empty append at the end (the PATCH that commits) fits: no byte goes past the length. */
  async append(offset: number, source: UploadSource, opts: AppendOptions = {}): Promise<{ offset: number; sha256: string }> {
    return appendNothing(await this.offset(), offset, source, opts);
  }

  /**
   * Replaces the blocks from `offset` with the source's bytes, one UploadPart per block as
   * the bytes arrive: every block but one that ends at the upload's end must be whole
   * (BlockBoundaryError). A cut source keeps the blocks it sent whole.
   */
  async writeAt(offset: number, source: UploadSource, opts: BlobWriteOptions = {}): Promise<{ written: number; sha256: string }> {
    const { key, length, uploadId } = this.#existing();
    const { client, bucket, blockBytes } = this.context;
    if (offset > length) throw new OffsetMismatchError(offset, length);
    if (offset % blockBytes !== 0) throw new BlockBoundaryError(blockBytes);
    let position = offset;
    const { signal } = opts;
    try {
      const { sha256 } = await ingestStream(source, async (batch) => {
        if (batch.length < blockBytes && position + batch.length !== length) throw new BlockBoundaryError(blockBytes);
        const PartNumber = position / blockBytes + 1;
        await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: batch, ContentLength: batch.length }), { abortSignal: signal });
        position += batch.length;
      }, { ...opts, maxBytes: Math.min(opts.maxBytes ?? Infinity, length - offset), batchBytes: blockBytes });
      return { written: position - offset, sha256 };
    } catch (error) {
      if (isNoSuchUpload(error) || isNoSuchKey(error)) throw new BlobNotFoundError(this.handle);
      // A request cut by the signal fails with the SDK's AbortError: report the abort.
      if (signal?.aborted === true && !(error instanceof BlobStoreError)) throw new UploadAbortedError('upload aborted', { cause: signal.reason });
      throw error;
    }
  }

  async commit(check?: (written: BlobWriteResult) => Promise<void>, known?: BlobWriteResult): Promise<BlobRef> {
    const { key } = this.#existing();
    const parts = await this.#parts();
    // 'completed': a commit that failed after completing (in the hash pass, the copy) goes on from there.
    if (parts !== 'completed') await this.#complete(parts);
    const ref = await publishObject(this.context, key, check, known);
    await this.context.client.send(new DeleteObjectCommand({ Bucket: this.context.bucket, Key: key }));
    return ref;
  }

  /** Turns the parts into the object `resumable/<uuid>`. */
  async #complete(parts: CompletedPart[]): Promise<void> {
    const { key, length, uploadId } = this.#existing();
    const { client, bucket } = this.context;
    if (length === 0) {
      // S3 completes no multipart upload without a part: the empty object stands for it.
      await this.#abort();
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(0), ContentLength: 0 }));
      return;
    }
    const blocks = Math.ceil(length / this.context.blockBytes);
    if (parts.length !== blocks) throw new Error(`upload ${this.handle}: S3 holds ${parts.length} of its ${blocks} parts`);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  }

  async cancel(): Promise<void> {
    if (this.#names === undefined) return;
    await this.#abort();
    // Completed by a commit whose check refused it, or left by a create that died.
    for (const key of [this.#names.key, this.#names.key + ZEROS]) {
      await this.context.client.send(new DeleteObjectCommand({ Bucket: this.context.bucket, Key: key }));
    }
  }

  #existing(): { key: string; length: number; uploadId: string } {
    if (this.#names === undefined) throw new BlobNotFoundError(this.handle);
    return this.#names;
  }

  /**
   * The parts S3 holds, in order, or 'completed' when a commit completed them and failed
   * afterwards (the object is there, whole); BlobNotFoundError once the upload is gone.
   */
  async #parts(): Promise<CompletedPart[] | 'completed'> {
    const { key, length, uploadId } = this.#existing();
    const { client, bucket } = this.context;
    const parts = await listParts(client, bucket, key, uploadId);
    if (parts !== null) return parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag }));
    if ((await objectSize(client, bucket, key)) === length) return 'completed';
    throw new BlobNotFoundError(this.handle);
  }

  async #abort(): Promise<void> {
    const { key, uploadId } = this.#existing();
    await this.context.client.send(new AbortMultipartUploadCommand({ Bucket: this.context.bucket, Key: key, UploadId: uploadId })).catch((error: unknown) => {
      if (!isNoSuchUpload(error) && !isNoSuchKey(error)) throw error;
    });
  }
}
