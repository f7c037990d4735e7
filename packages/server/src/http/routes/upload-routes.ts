/**
 * Resumable uploads over HTTP, the tus 1.0 protocol (core, creation, expiration, checksum with
 * sha256, termination; SPEC §3): `POST /api/images/[{user}/]{image}/uploads` creates an upload
 * (201, `Location: /api/uploads/{id}`, `Upload-Expires`), `HEAD /api/uploads/{id}` says where it
 * stands, `PATCH` appends (`application/offset+octet-stream` only: 415; `Upload-Offset`
 * checked: 409; optional `Upload-Checksum: sha256 <base64>`, as a header or a trailer after a
 * chunked body: 460), `DELETE` cancels, and
 * `OPTIONS` on `/api/uploads` and on the creation URLs tells what the server supports. Every
 * answer carries `Tus-Resumable: 1.0.0`; a request for another version is 412. The headers are
 * parsed here and nothing else: the service decides (services/resumable-uploads.ts). A PATCH's
 * body is handled as a PUT's (streamed-body.ts): straight from the socket, 408 when idle, and
 * the connection closed after an answer given before the body was read. A delta re-save (SPEC §3
 * "Blocks") adds `Repoman-Base-Version: n` to the creation (the upload starts as version n's
 * bytes) and sends changed blocks as PATCHes with `Repoman-Block-Offset` instead of
 * `Upload-Offset`; an empty PATCH at `Upload-Offset: <Upload-Length>` commits it. The PATCH that
 * completes any upload may carry the whole image's sha256 (`Repoman-Image-Checksum: sha256
 * <base64>`, in the style of `Upload-Checksum`, which covers that PATCH's bytes only).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RepomanError } from '../../services/repoman-error.js';
import type { UploadState } from '../../services/resumable-uploads.js';
import { HttpError } from '../http-error.js';
import type { ImageParams } from '../image-ref.js';
import type { RouteContext, RoutePlugin } from '../route-context.js';
import { closeAfterUnreadBodies, streamedBody, type StreamedBody } from '../streamed-body.js';

const TUS_VERSION = '1.0.0';
const PATCH_TYPE = 'application/offset+octet-stream';
const CREATE_URLS = ['/api/images/:image/uploads', '/api/images/:owner/:image/uploads'] as const;
const UPLOAD_URL = '/api/uploads/:id';

type UploadRequest = FastifyRequest<{ Params: { id: string } }>;

export const uploadRoutes: RoutePlugin = (app, context) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  closeAfterUnreadBodies(app, 'PATCH');
  // Every answer has it: set when the route starts (for the app's checks of its answers) and
  // again on sending (for refusals by the app's hooks that ran before this scope's).
  const tusResumable = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.header('tus-resumable', TUS_VERSION);
  };
  app.addHook('onRequest', tusResumable);
  app.addHook('onSend', tusResumable);
  app.addHook('preHandler', async (request) => {
    const version = header(request, 'tus-resumable');
    if (request.method !== 'OPTIONS' && version !== undefined && version !== TUS_VERSION) {
      throw new HttpError('TUS_VERSION_UNSUPPORTED', `this server speaks tus ${TUS_VERSION}, not ${version}: send Tus-Resumable: ${TUS_VERSION}`, {
        'tus-version': TUS_VERSION,
      });
    }
  });

  const discover = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    reply
      .header('tus-version', TUS_VERSION)
      .header('tus-extension', 'creation,expiration,checksum,checksum-trailer,termination')
      .header('tus-checksum-algorithm', 'sha256');
    const max = context.config.limits.max_image_bytes;
    if (max > 0) reply.header('tus-max-size', String(max));
    return reply.status(204).send();
  };
  app.options('/api/uploads', discover);
  for (const url of CREATE_URLS) {
    app.options(url, discover);
    app.post<{ Params: ImageParams }>(url, async (request, reply) => create(context, request, reply));
  }
  app.route<{ Params: { id: string } }>({ method: 'HEAD', url: UPLOAD_URL, handler: async (request, reply) => status(context, request, reply) });
  app.patch<{ Params: { id: string } }>(UPLOAD_URL, { config: { deferContinue: true } }, async (request, reply) => append(context, request, reply));
  app.delete<{ Params: { id: string } }>(UPLOAD_URL, async (request, reply) => {
    await context.uploads.cancel(request.caller, request.params.id);
    return reply.status(204).send();
  });
};

async function create(context: RouteContext, request: FastifyRequest<{ Params: ImageParams }>, reply: FastifyReply): Promise<FastifyReply> {
  const length = header(request, 'upload-length');
  if (length === undefined) {
    const deferred = header(request, 'upload-defer-length') !== undefined;
    throw new RepomanError('BAD_REQUEST', deferred ? 'Upload-Defer-Length is not supported: send Upload-Length' : 'send the size of the image in Upload-Length');
  }
  const metadata = header(request, 'upload-metadata') ?? '';
  const base = header(request, 'repoman-base-version');
  const upload = await context.uploads.create(
    request.caller,
    { owner: request.params.owner, name: request.params.image },
    { length: byteCount(length, 'Upload-Length'), expectedSha256: sha256Of(parseMetadata(metadata)), metadata, baseVersion: base === undefined ? undefined : versionNumber(base) },
  );
  return reply
    .status(201)
    .header('location', `/api/uploads/${upload.id}`)
    .header('upload-expires', new Date(upload.expires).toUTCString())
    .send();
}

async function status(context: RouteContext, request: UploadRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { upload, offset } = await context.uploads.status(request.caller, request.params.id);
  reply
    .header('cache-control', 'no-store')
    .header('upload-offset', String(offset))
    .header('upload-length', String(upload.length))
    .header('upload-expires', new Date(upload.expires).toUTCString());
  if (upload.metadata !== '') reply.header('upload-metadata', upload.metadata);
  return reply.status(200).send();
}

async function append(context: RouteContext, request: UploadRequest, reply: FastifyReply): Promise<FastifyReply> {
  const type = header(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== PATCH_TYPE) {
    throw new RepomanError('UNSUPPORTED_MEDIA_TYPE', `a PATCH sends Content-Type: ${PATCH_TYPE}, not ${type ?? 'none'}`, { unreadBody: true });
  }
  const blockOffset = header(request, 'repoman-block-offset');
  if (blockOffset !== undefined) return writeBlock(context, request, reply, byteCount(blockOffset, 'Repoman-Block-Offset'));
  const offsetHeader = header(request, 'upload-offset');
  if (offsetHeader === undefined) throw new RepomanError('BAD_REQUEST', 'send Upload-Offset: where these bytes go (ask with HEAD)', { unreadBody: true });
  const offset = byteCount(offsetHeader, 'Upload-Offset');
  const checksum = header(request, 'upload-checksum');
  const imageChecksum = header(request, 'repoman-image-checksum');
  // tus' checksum-trailer: the digest comes after a chunked body; a malformed one matches nothing (460).
  const trailerChecksum = (): string | undefined => {
    const value = (request.raw.trailers as Record<string, string> | undefined)?.['upload-checksum'];
    if (value === undefined) return undefined;
    try {
      return checksumSha256(value);
    } catch {
      return 'malformed';
    }
  };
  const sha256 = checksum === undefined ? trailerChecksum : checksumSha256(checksum);
  const imageSha256 = imageChecksum === undefined ? undefined : checksumSha256(imageChecksum, 'Repoman-Image-Checksum');
  return patchBody(context, request, reply, 'the bytes that arrived whole were kept; ask with HEAD and continue', (body) =>
    context.uploads.append(request.caller, request.params.id, { ...body, offset, sha256, imageSha256 }),
  );
}

/** A changed block of a delta re-save, written at its offset (the upload's length is unchanged). */
async function writeBlock(context: RouteContext, request: UploadRequest, reply: FastifyReply, offset: number): Promise<FastifyReply> {
  return patchBody(context, request, reply, 'send this block again', async (body) => {
    const result = await context.uploads.writeBlock(request.caller, request.params.id, { ...body, offset });
    // The bytes a delta re-save really sent, for operators (and the proof that only blocks go).
    request.log.info({ upload: request.params.id, offset, bytes: result.written }, 'delta block written');
    return result;
  });
}

/**
 * A PATCH's body handed to `write` as it streams (streamed-body.ts: `outcome` tells the client
 * what became of its bytes when the body goes idle), answered 204 with where the upload now stands.
 */
async function patchBody(
  context: RouteContext,
  request: UploadRequest,
  reply: FastifyReply,
  outcome: string,
  write: (body: Pick<StreamedBody, 'source' | 'signal'> & { readonly length: number | null }) => Promise<UploadState>,
): Promise<FastifyReply> {
  const contentLength = header(request, 'content-length');
  const body = streamedBody(request, reply, context.config.limits.idle_timeout, outcome);
  try {
    const result = await write({ source: body.source, length: contentLength === undefined ? null : Number(contentLength), signal: body.signal });
    return await reply
      .status(204)
      .header('upload-offset', String(result.offset))
      .header('upload-expires', new Date(result.upload.expires).toUTCString())
      .send();
  } finally {
    body.stop();
  }
}

/** `Repoman-Base-Version`: a version number (1 or more), else 400. */
function versionNumber(value: string): number {
  const number = byteCount(value, 'Repoman-Base-Version');
  if (number < 1) throw new RepomanError('BAD_REQUEST', 'Repoman-Base-Version is a version number from GET …/versions (1 or more)');
  return number;
}

/** A non-negative integer header, else 400 naming it. */
function byteCount(value: string, name: string): number {
  const number = /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(number)) {
    throw new RepomanError('BAD_REQUEST', `${name} must be a number of bytes (a non-negative integer), not ${JSON.stringify(value.slice(0, 40))}`, { unreadBody: true });
  }
  return number;
}

/** `Upload-Metadata`: comma-separated `key base64value` pairs (the value may be absent). */
function parseMetadata(header: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const pair of header.split(',')) {
    const [key, value, extra] = pair.trim().split(/ +/);
    if (key === undefined || key === '') continue;
    if (extra !== undefined || (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value))) {
      throw new RepomanError('BAD_REQUEST', `Upload-Metadata pairs are "key base64value" separated by commas; ${JSON.stringify(pair.trim().slice(0, 60))} is not one`);
    }
    pairs.set(key, Buffer.from(value ?? '', 'base64').toString('utf8'));
  }
  return pairs;
}

/** The whole image's sha256 from the metadata's `sha256` (base64 of the hex digest), if any. */
function sha256Of(metadata: Map<string, string>): string | undefined {
  const value = metadata.get('sha256')?.trim().toLowerCase();
  if (value === undefined) return undefined;
  if (!/^[0-9a-f]{64}$/.test(value)) {
    throw new RepomanError('BAD_REQUEST', 'the sha256 of Upload-Metadata is the base64 encoding of the 64 hex digits of the image\'s digest');
  }
  return value;
}

/** `Upload-Checksum: sha256 <base64 of the 32 bytes>` (or another header so written) as lowercase hex; 400 for another algorithm or a malformed digest. */
function checksumSha256(value: string, name = 'Upload-Checksum'): string {
  const [algorithm, digest] = value.trim().split(/ +/);
  if (algorithm?.toLowerCase() !== 'sha256') {
    throw new RepomanError('BAD_REQUEST', `${name} algorithm ${JSON.stringify(algorithm ?? '')} is not supported: use sha256 (Tus-Checksum-Algorithm)`, { unreadBody: true });
  }
  const bytes = Buffer.from(digest ?? '', 'base64');
  if (bytes.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(digest ?? '')) {
    throw new RepomanError('BAD_REQUEST', `${name} is "sha256 <base64 of the 32 bytes of the digest>"`, { unreadBody: true });
  }
  return bytes.toString('hex');
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
