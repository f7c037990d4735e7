/**
 * Answers a GET or HEAD for a prepared download (`ImageDownload`), the same way for every URL
 * that serves image bytes (the raw URL, a download link): ETag (the quoted sha256),
 * Last-Modified (the upload time), Accept-Ranges, Repr-Digest, Content-Disposition,
 * Content-Length; the preconditions of RFC 9110 §13.2.2 (412, or 304 for If-None-Match /
 * If-Modified-Since); one Range (206, or 416 with
 * the size in Content-Range) honoured unless an If-Range no longer matches. `onBytes` runs
 * just before the bytes of a GET go out, with the first byte's offset (a download link counts
 * its downloads there).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ImageDownload, ImageTransferService } from '../services/image-transfer.js';
import { evaluatePreconditions } from './conditional-get.js';
import { RepomanError } from '../services/repoman-error.js';
import { HttpError } from './http-error.js';
import { decideRange } from './range-request.js';
import { sendBytes } from './send-bytes.js';

export interface ServeOptions {
  /** Called before the bytes of a GET are sent, with the offset of the first one. */
  readonly onBytes?: (start: number) => Promise<void>;
}

export async function serveDownload(
  request: FastifyRequest,
  reply: FastifyReply,
  transfer: Pick<ImageTransferService, 'openBytes'>,
  found: ImageDownload,
  options: ServeOptions = {},
): Promise<FastifyReply> {
  const etag = `"${found.sha256}"`;
  reply
    .header('etag', etag)
    .header('last-modified', found.uploaded.toUTCString())
    .header('accept-ranges', 'bytes')
    .header('repr-digest', `sha-256=:${Buffer.from(found.sha256, 'hex').toString('base64')}:`);
  const verdict = evaluatePreconditions(request.method, request.headers, { etag, lastModified: found.uploaded });
  if (verdict === 'failed') throw new RepomanError('PRECONDITION_FAILED', `the image's bytes changed: its ETag is now ${etag}, uploaded ${found.uploaded.toUTCString()}`);
  if (verdict === 'not-modified') return reply.status(304).send();

  const range = decideRange(header(request, 'range'), header(request, 'if-range'), { size: found.size, etag, lastModified: found.uploaded });
  if (range.kind === 'unsatisfiable') {
    throw new HttpError('RANGE_NOT_SATISFIABLE', `the image has ${found.size} bytes; ask for a range within them`, { 'content-range': `bytes */${found.size}` });
  }
  const partial = range.kind === 'partial';
  const length = partial ? range.end - range.start + 1 : found.size;
  reply
    .header('content-type', 'application/octet-stream')
    .header('content-disposition', `attachment; filename="${found.image.name}"`)
    .header('content-length', String(length));
  if (partial) reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${found.size}`);
  if (request.method === 'HEAD') return reply.send();
  const bytes = await transfer.openBytes(found, partial ? { start: range.start, end: range.end } : undefined);
  await options.onBytes?.(partial ? range.start : 0);
  return sendBytes(reply, bytes);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
