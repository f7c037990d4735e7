/**
 * A delta re-save (SPEC §3 "Blocks"): uploads only the blocks of a file that differ from a
 * version the server holds. It fetches that version's block list (`GET …/versions/{n}/blocks`),
 * lists the file's blocks the same way on a worker thread (constant memory), starts an upload
 * based on the version (`POST …/uploads` with `Repoman-Base-Version`: the server copies the
 * version's bytes in its storage), sends each changed block at its offset (`PATCH` with
 * `Repoman-Block-Offset`, each retried on its own), and commits with an empty `PATCH` at the end;
 * the server checks the whole file's sha256, announced at creation, before the version switch.
 * When the server cannot do it (no block list yet, a server or storage without delta uploads)
 * it answers why instead, and the caller uploads the whole file.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { blockListOfFile, type BlockList } from '@repoman/bytes';
import { errorFrom, readBody, type HttpTransport } from '../transport/http-transport.js';
import { withRetry } from '../transport/retry.js';
import { ChecksumMismatchError, InvalidValueError, NetworkError } from '../wire/api-errors.js';
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
  const local = await blockListOfFile(file, base.block_size);
  if (local.size !== info.size) throw new Error(`${file} changed size while it was hashed`);
  const changed = local.blocks.flatMap((sha256, index) => (base.blocks[index] === sha256 ? [] : [index]));

  const created = await transport.send({
    method: 'POST',
    path: `${imagePath(ref)}/uploads`,
    headers: {
      ...TUS, 'upload-length': String(local.size), 'repoman-base-version': String(baseVersion),
      'upload-metadata': `sha256 ${Buffer.from(local.sha256).toString('base64')}`,
    },
    signal: options.signal,
  });
  if (created.statusCode !== 201) {
    const error = await errorFrom(created);
    if (error.code === 'NOT_IMPLEMENTED') return { fallback: error.message };
    throw error;
  }
  created.resume();
  const location = created.headers.location;
  if (location === undefined) throw new NetworkError('the server created the upload but did not say where it is (no Location)', undefined, false);
  const upload = new URL(location, transport.url('/')).pathname;

  try {
    return await sendBlocks(transport, ref, file, upload, base.block_size, changed, local, options);
  } catch (error) {
    // Whatever went wrong, the server keeps the previous version; the partial upload goes.
    await transport.send({ method: 'DELETE', path: upload, headers: TUS }).then((response) => response.resume(), () => {});
    throw error;
  }
}

async function sendBlocks(
  transport: HttpTransport, ref: ImageRef, file: string, upload: string, blockSize: number, changed: readonly number[], local: BlockList, options: UploadOptions,
): Promise<DeltaResult> {
  let sent = 0;
  const total = changed.reduce((sum, index) => sum + Math.min(blockSize, local.size - index * blockSize), 0);
  for (const index of changed) {
    const start = index * blockSize;
    const length = Math.min(blockSize, local.size - start);
    await withRetry(async () => {
      const response = await transport.send({
        method: 'PATCH',
        path: upload,
        headers: { ...PATCH, 'repoman-block-offset': String(start), 'content-length': String(length) },
        body: () => createReadStream(file, { start, end: start + length - 1, highWaterMark: 1024 * 1024 }),
        signal: options.signal,
      });
      if (response.statusCode !== 204) throw await blockError(response);
      response.resume();
    }, options.retry, options.signal);
    sent += length;
    options.onProgress?.({ phase: 'upload', transferred: sent, total });
  }

  const committed = await transport.send({ method: 'PATCH', path: upload, headers: { ...PATCH, 'upload-offset': String(local.size), 'content-length': '0' }, signal: options.signal });
  if (committed.statusCode !== 204) {
    const error = await errorFrom(committed);
    if (error.code === 'CHECKSUM_MISMATCH') {
      throw new ChecksumMismatchError(`the server's copy of ${formatImageRef(ref)} with the changed blocks is not ${file} (sha256 ${local.sha256}): ${error.message}; upload it with --full`, local.sha256, 'unknown');
    }
    throw error;
  }
  committed.resume();
  const image = await imageRecord(transport, ref);
  return { sha256: local.sha256, size: local.size, image, sent, changedBlocks: changed.length, blocks: local.blocks.length };
}

/** A block PATCH that failed: a lease still held by a cut PATCH (409) is worth another try. */
async function blockError(response: Awaited<ReturnType<HttpTransport['send']>>): Promise<Error> {
  const error = await errorFrom(response);
  if (error.status === 409 && error.code === 'UPLOAD_OFFSET_MISMATCH') return new NetworkError(error.message, error.code, true, { cause: error });
  return error;
}
