/**
 * A delta re-save (SPEC §3 "Blocks"): uploads only the blocks of a file that differ from a
 * version the server holds. It fetches that version's block list (`GET …/versions/{n}/blocks`),
 * then at once starts an upload based on the version (`POST …/uploads` with
 * `Repoman-Base-Version`: the server copies the version's bytes in its storage) and lists the
 * file's blocks on two worker threads (block list and whole sha256, each reading the file
 * itself), so the server's copy and this hashing overlap. Each changed block is sent at its
 * offset as soon as it is hashed (`PATCH` with `Repoman-Block-Offset`, one after another, each
 * retried on its own) while the rest is still read; an empty `PATCH` at the end commits with
 * the whole file's sha256 (`Repoman-Image-Checksum`), which the server checks before the
 * version switch. A server of the first delta release wants that sha256 at creation: the
 * upload is then created again once the file is hashed. When the server cannot do it (no block
 * list yet, a server or storage without delta uploads) it answers why instead, and the caller
 * uploads the whole file.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { blockListOfFile, type BlockList } from '@repoman/bytes';
import { errorFrom, readBody, type HttpTransport } from '../transport/http-transport.js';
import { withRetry } from '../transport/retry.js';
import { ApiError, ChecksumMismatchError, InvalidValueError, NetworkError } from '../wire/api-errors.js';
import { formatImageRef, imagePath, type ImageRef } from '../wire/image-ref.js';
import { imageRecord } from './resumable-upload.js';
import type { UploadOptions, UploadResult } from './upload-file.js';

const TUS = { 'tus-resumable': '1.0.0' };
const PATCH = { ...TUS, 'content-type': 'application/offset+octet-stream' };

export interface DeltaResult extends UploadResult {
  /** Bytes sent: the changed blocks only. */
  readonly sent: number;
  readonly changedBlocks: number;
  readonly blocks: number;
}

/** Why a delta upload was not possible: the caller uploads the whole file. */
export interface DeltaRefusal {
  readonly fallback: string;
}

interface ServerBlockList {
  readonly block_size: number;
  readonly size: number;
  readonly sha256: string;
  readonly blocks: readonly string[];
}

/** The upload, once created; a refusal the caller turns into a whole upload; or the error. */
type Creation = { readonly upload: string } | { readonly refusal: DeltaRefusal } | { readonly error: unknown };

export async function deltaUpload(transport: HttpTransport, ref: ImageRef, file: string, baseVersion: number, options: UploadOptions = {}): Promise<DeltaResult | DeltaRefusal> {
  const info = await stat(file);
  if (!info.isFile()) throw new InvalidValueError(`${file} is not a regular file`);
  const listed = await transport.send({ method: 'GET', path: `${imagePath(ref)}/versions/${baseVersion}/blocks`, signal: options.signal });
  if (listed.statusCode !== 200) {
    const error = await errorFrom(listed);
    if (error.code === 'BLOCKS_NOT_READY') return { fallback: `the server has no block list of version ${baseVersion} yet` };
    // An older server has no such route.
    if (error.code === 'NOT_FOUND' || error.status === 405) return { fallback: 'the server does not offer delta uploads' };
    throw error;
  }
  const base = JSON.parse((await readBody(listed)).toString('utf8')) as ServerBlockList;

  // Created first, the whole sha256 announced at the end: the server copies while this process hashes.
  let creation = createUpload(transport, ref, info.size, baseVersion, undefined, options);
  const blocks = new BlockSender(transport, file, info.size, base.block_size, options);
  // A refused creation (other than a first-release server's) ends the hashing at the next block.
  let refused = false;
  void creation.then((created) => {
    if ('upload' in created) blocks.start(created.upload);
    else refused = !('error' in created && isFirstDeltaServer(created.error));
  });
  let local: BlockList | undefined;
  try {
    local = await blockListOfFile(file, base.block_size, {
      onBlock: (index, sha256) => {
        if (refused) throw new Error('the upload was refused');
        if (base.blocks[index] !== sha256) blocks.add(index);
        options.onProgress?.({ phase: 'checksum', transferred: Math.min(info.size, (index + 1) * base.block_size), total: info.size });
      },
    });
    if (local.size !== info.size) throw new Error(`${file} changed size while it was hashed`);
    let created = await creation;
    if ('error' in created && isFirstDeltaServer(created.error)) {
      creation = createUpload(transport, ref, info.size, baseVersion, local.sha256, options);
      created = await creation;
      if ('upload' in created) blocks.start(created.upload);
    }
    if ('refusal' in created) return created.refusal;
    if ('error' in created) throw created.error;
    await blocks.finished();
    return await commit(transport, ref, file, created.upload, local, blocks, options);
  } catch (error) {
    // Whatever went wrong, the server keeps the previous version; the partial upload goes.
    await blocks.stop();
    const created = await creation;
    if ('upload' in created) await transport.send({ method: 'DELETE', path: created.upload, headers: TUS }).then((response) => response.resume(), () => {});
    if (refused && 'refusal' in created) return created.refusal;
    if (refused && 'error' in created) throw created.error;
    throw error;
  }
}

/** `POST …/uploads` based on `baseVersion`; the whole sha256 in the metadata when known. */
async function createUpload(transport: HttpTransport, ref: ImageRef, length: number, baseVersion: number, sha256: string | undefined, options: UploadOptions): Promise<Creation> {
  try {
    const created = await transport.send({
      method: 'POST',
      path: `${imagePath(ref)}/uploads`,
      headers: {
        ...TUS, 'upload-length': String(length), 'repoman-base-version': String(baseVersion),
        ...(sha256 !== undefined && { 'upload-metadata': `sha256 ${Buffer.from(sha256).toString('base64')}` }),
      },
      signal: options.signal,
    });
    if (created.statusCode !== 201) {
      const error = await errorFrom(created);
      if (error.code === 'NOT_IMPLEMENTED') return { refusal: { fallback: error.message } };
      return { error };
    }
    created.resume();
    const location = created.headers.location;
    if (location === undefined) return { error: new NetworkError('the server created the upload but did not say where it is (no Location)', undefined, false) };
    return { upload: new URL(location, transport.url('/')).pathname };
  } catch (error) {
    return { error };
  }
}

/** The first delta release wants the whole sha256 at creation (400 naming it). */
function isFirstDeltaServer(error: unknown): boolean {
  return error instanceof ApiError && error.status === 400 && /sha256 in Upload-Metadata/.test(error.message);
}

/**
 * Sends changed blocks one after another, in the order they were found, once the upload exists;
 * the first failure stops the rest and is thrown by finished().
 */
class BlockSender {
  readonly changed: number[] = [];
  sent = 0;
  #queue: number[] = [];
  #upload: string | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly transport: HttpTransport,
    private readonly file: string,
    private readonly size: number,
    private readonly blockSize: number,
    private readonly options: UploadOptions,
  ) {}

  /** A changed block, sent as soon as the upload exists and the blocks before it are sent. */
  add(index: number): void {
    this.changed.push(index);
    this.#queue.push(index);
    this.#drain();
  }

  /** Where the blocks go (the upload's path): the blocks found so far leave now. */
  start(upload: string): void {
    this.#upload = upload;
    this.#drain();
  }

  /** Resolves once every block added is sent; rejects with the first failure. */
  async finished(): Promise<void> {
    await this.#chain;
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  /** Sends no more blocks; resolves once the one in flight, if any, has ended. */
  async stop(): Promise<void> {
    this.#failure ??= { error: new Error('stopped') };
    await this.#chain;
  }

  #drain(): void {
    const upload = this.#upload;
    if (upload === undefined) return;
    for (const index of this.#queue.splice(0)) {
      // Never rejects: a failure is kept for finished(), and the later blocks are skipped.
      this.#chain = this.#chain.then(() => (this.#failure === undefined ? this.#send(upload, index) : undefined)).catch((error: unknown) => {
        this.#failure ??= { error };
      });
    }
  }

  async #send(upload: string, index: number): Promise<void> {
    const start = index * this.blockSize;
    const length = Math.min(this.blockSize, this.size - start);
    await withRetry(async () => {
      const response = await this.transport.send({
        method: 'PATCH',
        path: upload,
        headers: { ...PATCH, 'repoman-block-offset': String(start), 'content-length': String(length) },
        body: () => createReadStream(this.file, { start, end: start + length - 1, highWaterMark: 1024 * 1024 }),
        signal: this.options.signal,
      });
      if (response.statusCode !== 204) throw await blockError(response);
      response.resume();
    }, this.options.retry, this.options.signal);
    this.sent += length;
  }
}

/** The empty PATCH at the end, with the whole sha256: the server checks it, then switches the version. */
async function commit(transport: HttpTransport, ref: ImageRef, file: string, upload: string, local: BlockList, blocks: BlockSender, options: UploadOptions): Promise<DeltaResult> {
  options.onProgress?.({ phase: 'upload', transferred: blocks.sent, total: blocks.sent });
  const checksum = `sha256 ${Buffer.from(local.sha256, 'hex').toString('base64')}`;
  const committed = await transport.send({
    method: 'PATCH', path: upload, headers: { ...PATCH, 'upload-offset': String(local.size), 'content-length': '0', 'repoman-image-checksum': checksum }, signal: options.signal,
  });
  if (committed.statusCode !== 204) {
    const error = await errorFrom(committed);
    if (error.code === 'CHECKSUM_MISMATCH') {
      throw new ChecksumMismatchError(`the server's copy of ${formatImageRef(ref)} with the changed blocks is not ${file} (sha256 ${local.sha256}): ${error.message}; upload it with --full`, local.sha256, 'unknown');
    }
    throw error;
  }
  committed.resume();
  const image = await imageRecord(transport, ref);
  return { sha256: local.sha256, size: local.size, image, sent: blocks.sent, changedBlocks: blocks.changed.length, blocks: local.blocks.length };
}

/** A block PATCH that failed: a lease still held by a cut PATCH (409) is worth another try. */
async function blockError(response: Awaited<ReturnType<HttpTransport['send']>>): Promise<Error> {
  const error = await errorFrom(response);
  if (error.status === 409 && error.code === 'UPLOAD_OFFSET_MISMATCH') return new NetworkError(error.message, error.code, true, { cause: error });
  return error;
}
