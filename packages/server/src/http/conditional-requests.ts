/**
 * Caching headers and conditional requests for the JSON API, in one place for every route
 * (RFC 9110 §13, RFC 9111), driven by each route's `conditional` in `@repoman/api`. Every JSON
 * answer depends on the caller (its TLS certificate, which no `Vary` can name): a conditional
 * GET's 200 says `Cache-Control: private, no-cache` with a strong `ETag` (a hash of the body,
 * so anything in it that changes changes the tag), other JSON answers `no-store`. A GET's
 * preconditions are judged on that tag once the handler answered: 304 without a body, or 412.
 * A write (PATCH, its POST synonym, PUT, DELETE) of a conditional URL that carries `If-Match`,
 * `If-Unmodified-Since` or `If-None-Match` first reads the resource as the GET of the same URL
 * would, for the same caller (that route's handler, given a stand-in reply), and is refused
 * with 412 `PRECONDITION_FAILED` when the caller's copy is stale: two admins editing one image do not
 * overwrite each other. Such writes run one at a time in this process, so the check and the
 * change are not interleaved with another conditional write.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod, RouteOptions } from 'fastify';
import { RepomanError } from '../services/repoman-error.js';
import { entityTag, evaluatePreconditions, hasPreconditions } from './conditional-get.js';

/** Depends on who asks: browsers may keep it, but must revalidate it (If-None-Match) every time. */
const PRIVATE_REVALIDATE = 'private, no-cache';
const NO_STORE = 'no-store';

const READS = new Set(['GET', 'HEAD']);

export function installConditionalRequests(app: FastifyInstance): void {
  /** The GET handler of each conditional JSON URL: what a write of that URL is checked against. */
  const readers = new Map<string, RouteHandlerMethod>();
  const writes = new SerialQueue();

  app.addHook('onRoute', (route: RouteOptions) => {
    const descriptor = route.config?.apiRoute;
    if (descriptor?.conditional === true && descriptor.methods[0] === 'GET' && descriptor.responses[200]?.schema !== undefined) {
      readers.set(route.url, route.handler);
    }
  });

  // Callback hooks: they run on every request, and an async hook costs a promise and a
  // microtask each time; only a conditional write goes on asynchronously (its promise ends the hook).
  app.addHook('preHandler', function (request, reply, done) {
    if (READS.has(request.method) || !hasPreconditions(request.headers)) return done();
    const read = request.routeOptions.config.apiRoute?.conditional === true ? readers.get(request.routeOptions.url ?? '') : undefined;
    if (read === undefined) return done();
    return checkWrite(this, request, reply, read);
  });

  async function checkWrite(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, read: RouteHandlerMethod): Promise<void> {
    await writes.enter(reply);
    const view = await currentView(read, app, request);
    const etag = entityTag(JSON.stringify(view));
    if (evaluatePreconditions(request.method, request.headers, { etag, lastModified: modifiedOf(view) }) === 'failed') {
      throw new RepomanError('PRECONDITION_FAILED', `${request.url} changed since you read it (its ETag is now ${etag}); nothing was changed: read it again, redo your change on what it is now, and send that with its new ETag`);
    }
  }

  app.addHook('onSend', (request, reply, payload, done) => done(null, cacheHeaders(request, reply, payload)));
}

/** The payload to send, with Cache-Control and (cacheable answers) ETag set; a 304 or 412 as preconditions say. */
function cacheHeaders(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (!isJson(reply)) return payload;
  const route = request.routeOptions.config.apiRoute;
  const cacheable = READS.has(request.method) && route?.conditional === true && reply.statusCode === 200;
  if (reply.getHeader('cache-control') === undefined) reply.header('cache-control', cacheable ? PRIVATE_REVALIDATE : NO_STORE);
  if (!cacheable || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
  const etag = entityTag(payload);
  reply.header('etag', etag);
  const verdict = evaluatePreconditions(request.method, request.headers, { etag, lastModified: null });
  if (verdict === 'failed') throw new RepomanError('PRECONDITION_FAILED', `${request.url} does not match If-Match: its ETag is ${etag}`);
  if (verdict === 'proceed') return payload;
  reply.status(304).removeHeader('content-type').removeHeader('content-length');
  // HEAD: fastify's own HEAD hook needs the body to give the length a 200 would have (RFC 9110 allows it).
  return request.method === 'HEAD' ? payload : null;
}

/**
 * What the GET handler of a URL answers this request's caller: its return value, or what it
 * sends on the stand-in reply it is given (the real one is the write's, still unsent).
 */
async function currentView(read: RouteHandlerMethod, app: FastifyInstance, request: FastifyRequest): Promise<unknown> {
  let sent: unknown;
  const standIn = {
    header: () => standIn, headers: () => standIn, status: () => standIn, code: () => standIn, type: () => standIn,
    send: (payload: unknown) => ((sent = payload), standIn),
  };
  const returned: unknown = await read.call(app, request, standIn as unknown as FastifyReply);
  return returned === standIn || returned === undefined ? sent : returned;
}

function isJson(reply: FastifyReply): boolean {
  const type = reply.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('application/json');
}

/** A record's `modified` time (users, groups, images have one), for `If-Unmodified-Since`; null for lists. */
function modifiedOf(view: unknown): Date | null {
  const modified = typeof view === 'object' && view !== null && 'modified' in view ? view.modified : undefined;
  const date = typeof modified === 'string' ? new Date(modified) : null;
  return date !== null && Number.isFinite(date.getTime()) ? date : null;
}

/** Lets one request at a time through, each until its answer is sent or its connection closes. */
class SerialQueue {
  #tail: Promise<void> = Promise.resolve();

  async enter(reply: FastifyReply): Promise<void> {
    const previous = this.#tail;
    let leave = (): void => {};
    this.#tail = new Promise<void>((resolve) => (leave = resolve));
    reply.raw.once('finish', leave).once('close', leave);
    await previous;
  }
}
