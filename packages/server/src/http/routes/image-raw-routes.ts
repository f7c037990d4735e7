/**
 * The bytes of an image, SPEC §3: `PUT /api/images/raw/[{user}/]{image}` uploads the raw body,
 * streamed (this file's scope replaces the body parsers with a catch-all that leaves the
 * request stream unread for the blob store); `GET`/`HEAD` download it with Content-Length,
 * ETag (the quoted sha256), Last-Modified (the upload time), Repr-Digest, Accept-Ranges,
 * Content-Disposition, single Range requests (206/416), If-Range, If-None-Match and
 * If-Modified-Since (304), If-Match and If-Unmodified-Since (412, on uploads too). Downloads are open to anonymous callers and the plain-HTTP
 * listener; the service lets them reach public images only. An upload needs a length
 * (Content-Length or chunked: 411 otherwise) and may announce its digest in a header or, when
 * chunked, a trailer; any answer given before its body was read closes the connection rather
 * than read gigabytes for nothing (lingering, so that the answer arrives: linger-close.ts). A
 * body of known length is read straight from the socket (socket-body.ts), after which the
 * connection closes too. `100 Continue` is sent only once the upload is accepted, and a body
 * that sends nothing for `limits.idle_timeout` is aborted with 408 (watched-body.ts).
 * `?version=n` downloads a kept version instead, with that version's ETag (its sha256) and
 * Last-Modified, so that a resume (If-Range) of one version never mixes in another's bytes.
 */
import type { DownloadQuery } from '@repoman/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ImageEmptyError } from '../../services/image-transfer.js';
import { RepomanError } from '../../services/repoman-error.js';
import { evaluatePreconditions, hasPreconditions } from '../conditional-get.js';
import { expectedSha256 } from '../expected-digest.js';
import { fileLinks } from '../file-links.js';
import { RAW_URLS, type ImageParams } from '../image-ref.js';
import { rawPath, toImageView } from '../image-views.js';
import type { RouteContext, RoutePlugin } from '../route-context.js';
import { serveDownload } from '../serve-download.js';
import { closeAfterUnreadBodies, streamedBody } from '../streamed-body.js';

type RawRequest = FastifyRequest<{ Params: ImageParams }>;
type DownloadRequest = FastifyRequest<{ Params: ImageParams; Querystring: DownloadQuery }>;

export const imageRawRoutes: RoutePlugin = (app, context) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  // Any answer given before the body was read (401, 404, 409, 413, 507, …) closes the connection.
  closeAfterUnreadBodies(app, 'PUT');

  for (const url of RAW_URLS) {
    app.route<{ Params: ImageParams; Querystring: DownloadQuery }>({
      method: ['GET', 'HEAD'],
      url,
      exposeHeadRoute: false,
      handler: async (request, reply) => download(context, request, reply),
    });
    app.put<{ Params: ImageParams }>(url, { config: { deferContinue: true } }, async (request, reply) => upload(context, request, reply));
  }
};

async function download(context: RouteContext, request: DownloadRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ref = { owner: request.params.owner, name: request.params.image };
  const found = await context.transfer.prepareDownload(request.caller, ref, request.query.version).catch((error: unknown) => {
    if (!(error instanceof ImageEmptyError)) throw error;
    const { owner, name } = error.image;
    throw new RepomanError('IMAGE_EMPTY', `${error.message}: upload them with PUT ${rawPath(owner, name)}`, { cause: error });
  });
  return serveDownload(request, reply, context.transfer, found);
}

async function upload(context: RouteContext, request: RawRequest, reply: FastifyReply): Promise<unknown> {
  if (hasPreconditions(request.headers)) await checkUploadPreconditions(context, request);
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

/**
 * `If-Match` / `If-Unmodified-Since` / `If-None-Match` of an upload, judged on the current
 * bytes (ETag the quoted sha256, the upload time; none while the image is empty, so
 * `If-None-Match: *` uploads only into an empty slot). Checked before the body is read; the
 * upload itself is not serialized with other uploads (it may take hours).
 */
async function checkUploadPreconditions(context: RouteContext, request: RawRequest): Promise<void> {
  const { image } = await context.images.get(request.caller, { owner: request.params.owner, name: request.params.image });
  const etag = image.checksum === null ? null : `"${image.checksum}"`;
  const current = { etag, lastModified: image.uploaded === null ? null : new Date(image.uploaded) };
  if (evaluatePreconditions('PUT', request.headers, current) === 'failed') {
    const now = etag === null ? 'the image has no bytes yet' : `its ETag is now ${etag}`;
    throw new RepomanError('PRECONDITION_FAILED', `the image's bytes are not those your precondition names: ${now}; nothing was uploaded`);
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
