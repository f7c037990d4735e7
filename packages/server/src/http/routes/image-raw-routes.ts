/**
 * The bytes of an image, SPEC §3: `PUT /api/images/raw/[{user}/]{image}` uploads the raw body,
 * streamed (this file's scope replaces the body parsers with a catch-all that leaves the
 * request stream unread for the blob store); `GET`/`HEAD` download it with Content-Length,
 * ETag (the quoted sha256), Last-Modified (the upload time), Repr-Digest, Accept-Ranges,
 * Content-Disposition, single Range requests (206/416), If-Range, If-None-Match and
 * If-Modified-Since (304). Downloads are open to anonymous callers and the plain-HTTP
 * listener; the service lets them reach public images only. An upload needs a length
 * (Content-Length or chunked: 411 otherwise) and may announce its digest in a header or, when
 * chunked, a trailer; any answer given before its body was read closes the connection rather
 * than read gigabytes for nothing (lingering, so that the answer arrives: linger-close.ts). A
 * body of known length is read straight from the socket (socket-body.ts), after which the
 * connection closes too. `100 Continue` is sent only once the upload is accepted, and a body
 * that sends nothing for `limits.idle_timeout` is aborted with 408 (watched-body.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ImageEmptyError } from '../../services/image-transfer.js';
import { RepomanError } from '../../services/repoman-error.js';
import { isNotModified } from '../conditional-get.js';
import { expectedSha256 } from '../expected-digest.js';
import { HttpError } from '../http-error.js';
import { fileLinks } from '../file-links.js';
import { RAW_URLS, type ImageParams } from '../image-ref.js';
import { rawPath, toImageView } from '../image-views.js';
import { decideRange } from '../range-request.js';
import type { RouteContext, RoutePlugin } from '../route-context.js';
import { sendBytes } from '../send-bytes.js';
import { closeAfterUnreadBodies, streamedBody } from '../streamed-body.js';

type RawRequest = FastifyRequest<{ Params: ImageParams }>;

export const imageRawRoutes: RoutePlugin = (app, context) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  // Any answer given before the body was read (401, 404, 409, 413, 507, …) closes the connection.
  closeAfterUnreadBodies(app, 'PUT');

  for (const url of RAW_URLS) {
    app.route<{ Params: ImageParams }>({
      method: ['GET', 'HEAD'],
      url,
      exposeHeadRoute: false,
      handler: async (request, reply) => download(context, request, reply),
    });
    app.put<{ Params: ImageParams }>(url, { config: { deferContinue: true } }, async (request, reply) => upload(context, request, reply));
  }
};

async function download(context: RouteContext, request: RawRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ref = { owner: request.params.owner, name: request.params.image };
  const found = await context.transfer.prepareDownload(request.caller, ref).catch((error: unknown) => {
    if (!(error instanceof ImageEmptyError)) throw error;
    const { owner, name } = error.image;
    throw new RepomanError('IMAGE_EMPTY', `${error.message}: upload them with PUT ${rawPath(owner, name)}`, { cause: error });
  });
  const etag = `"${found.sha256}"`;
  reply
    .header('etag', etag)
    .header('last-modified', found.uploaded.toUTCString())
    .header('accept-ranges', 'bytes')
    .header('repr-digest', `sha-256=:${Buffer.from(found.sha256, 'hex').toString('base64')}:`);
  if (isNotModified(request.headers, etag, found.uploaded)) return reply.status(304).send();

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
  const bytes = await context.transfer.openBytes(found, partial ? { start: range.start, end: range.end } : undefined);
  return sendBytes(reply, bytes);
}

async function upload(context: RouteContext, request: RawRequest, reply: FastifyReply): Promise<unknown> {
  const body = streamedBody(request, reply, context.config.limits.idle_timeout, 'the image not changed');
  try {
    const uploaded = await context.transfer.upload(
      request.caller,
      { owner: request.params.owner, name: request.params.image },
      {
        source: body.source,
        length: bodyLength(request),
        expectedSha256: expectedSha256(request.headers),
        trailerSha256: () => expectedSha256(request.raw.trailers ?? {}, 'trailer'),
        signal: body.signal,
      },
    );
    return toImageView(uploaded, fileLinks(request, context.config.server));
  } finally {
    body.stop();
  }
}

/** The announced body length, null for a chunked body; 411 when there is neither. */
function bodyLength(request: RawRequest): number | null {
  const length = header(request, 'content-length');
  if (length !== undefined) return Number(length);
  if (header(request, 'transfer-encoding') !== undefined) return null;
  throw new RepomanError('LENGTH_REQUIRED', 'send the image with a Content-Length header or chunked transfer encoding');
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
