/**
 * The fast path of hot GETs (`[server] answer_cache`, HTTPS only): a request listener in front
 * of fastify's that answers a GET or HEAD from the answer cache (`answer-cache.ts`) when its
 * connection's identity is already known and the same caller's answer to the same method,
 * Host and URL is kept. A TLS connection's certificate chain cannot change, so the identity the
 * caller hook found for one request of a connection stands for the next ones (as the TLS layer
 * itself decides it once per connection, `tls/connection-identity.ts`); one with VOMS
 * attributes is asked again every CONNECTION_IDENTITY_MS, so that attributes that expire drop
 * out as quickly as a cached answer does. The answer is the full path's, byte for byte: its
 * status and headers as fastify sent them, then Date and keep-alive fresh from node; `If-None-Match` /
 * `If-Modified-Since` are judged by `conditional-get.ts` (304 without the body's headers, as
 * the full path sends it); metrics and the request log line are written as the full path
 * writes them. Anything else — a first request on a connection, a miss, a write, a Range, a
 * precondition that fails (412), a request with a body — goes to fastify unchanged, and a
 * 200 of a route marked `cacheable` in `@repoman/api` is kept on its way out (GETs of JSON,
 * HEADs of image bytes; never a GET's bytes). When a kept answer has expired, the requests
 * for it that arrive while one of them takes the full path wait for that one's answer.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { identityKey } from '../services/caller.js';
import type { AnswerCache, CachedAnswer } from './answer-cache.js';
import { evaluatePreconditions } from './conditional-get.js';
import { countAnswer, type Metrics } from './metrics.js';
import { requestLine } from './request-log.js';

/** How long an identity with VOMS FQANs found on a connection is used without asking the TLS layer again. */
export const CONNECTION_IDENTITY_MS = 1_000;

/** Headers a 304 does not carry (the full path sets them only for a 200's body). */
const NOT_ON_304 = ['content-type', 'content-length', 'content-disposition'];

/** Request headers whose answer the fast path leaves to the full path (bodies, ranges). */
const FULL_PATH_HEADERS = ['content-length', 'transfer-encoding', 'expect', 'range', 'if-range'];

/** What the front listener notes on a request it passes on: the URL as received and the write count then. */
const RECEIVED = Symbol('fast-answers.received');

interface Received {
  readonly url: string;
  readonly version: number;
}

type NotedRequest = IncomingMessage & { [RECEIVED]?: Received };

interface ConnectionIdentity {
  readonly key: string;
  readonly dn: string | null;
  readonly until: number;
}

export interface FastAnswers {
  /** Wraps fastify's request listener (`serverFactory`'s handler). */
  front(handler: (request: IncomingMessage, response: ServerResponse) => void): (request: IncomingMessage, response: ServerResponse) => void;
  /** Notes connection identities and keeps cacheable answers: install right after the caller hook, and last of the onSend hooks. */
  install(app: FastifyInstance): void;
  /** Request ids for fastify (`genReqId`) and the fast path's log lines alike: `req-1`, `req-2`… as fastify's own. */
  readonly genReqId: () => string;
}

function answerKey(identity: string, method: string, host: string | undefined, url: string): string {
  return `${identity}\0${method}\0${host ?? ''}\0${url}`;
}

/** GETs of JSON routes and HEADs of byte routes marked cacheable; never a GET's bytes. */
function cacheableRoute(request: FastifyRequest): boolean {
  const route = request.routeOptions.config.apiRoute;
  if (route?.cacheable !== true) return false;
  const json = route.responses[200]?.schema !== undefined;
  return request.method === 'GET' ? json : request.method === 'HEAD' && !json;
}

export function createFastAnswers(deps: { cache: AnswerCache; metrics: Metrics; now?: () => number }): FastAnswers {
  const { cache, metrics } = deps;
  const now = deps.now ?? Date.now;
  const connections = new WeakMap<Socket, ConnectionIdentity>();
  let log: FastifyBaseLogger | null = null;
  let lastId = 0;
  const genReqId = (): string => {
    lastId = (lastId + 1) & 0x7fffffff;
    return `req-${lastId.toString(36)}`;
  };

  /** Computations of an answer under way, by key: the requests for the same answer that wait for it. */
  const underWay = new Map<string, Array<() => void>>();

  /** The cache key of a request and the DN of its connection, or null when the fast path cannot answer it. */
  function lookup(request: IncomingMessage): { key: string; dn: string | null } | null {
    const connection = connections.get(request.socket);
    if (connection === undefined || now() >= connection.until || log === null) return null;
    const headers = request.headers;
    for (const name of FULL_PATH_HEADERS) if (headers[name] !== undefined) return null;
    return { key: answerKey(connection.key, request.method ?? 'GET', headers.host, request.url ?? '/'), dn: connection.dn };
  }

  /** Answers from the cache and returns true, or returns false (the full path's turn). */
  function answer(request: IncomingMessage, response: ServerResponse, found: { key: string; dn: string | null }, arrived: number): boolean {
    const cached = cache.get(found.key);
    if (cached === undefined || log === null) return false;
    const { headers } = request;
    const url = request.url ?? '/';
    const method = request.method ?? 'GET';
    const verdict = evaluatePreconditions(method, headers, cached);
    if (verdict === 'failed') return false;
    const status = verdict === 'not-modified' ? 304 : 200;
    const sent = status === 304 ? without304(cached.headers) : cached.headers;
    response.writeHead(status, sent);
    response.end(status === 304 || method === 'HEAD' ? undefined : cached.body);
    const elapsed = performance.now() - arrived;
    const length = sent['content-length'];
    countAnswer(metrics, method, cached.route, status, elapsed / 1000, Number(length ?? 0));
    log.info({ reqId: genReqId(), ...requestLine(method, url, status, length, found.dn, elapsed) }, 'request');
    return true;
  }

  /** Keeps the 200 about to be sent when its route is cacheable and its request came through `front`. */
  function keep(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    const received = (request.raw as NotedRequest)[RECEIVED];
    if (received === undefined || reply.statusCode !== 200 || !cacheableRoute(request)) return;
    if (payload !== undefined && typeof payload !== 'string' && !Buffer.isBuffer(payload)) return;
    const body = request.method === 'HEAD' || payload === undefined ? Buffer.alloc(0) : Buffer.from(payload);
    const key = answerKey(identityKey(request.identity), request.method, request.headers.host, received.url);
    const route = request.routeOptions.url ?? 'unmatched';
    const raw = reply.raw;
    const writeHead = raw.writeHead;
    // The headers as fastify sends them (Content-Length included), taken at the last moment.
    raw.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
      raw.writeHead = writeHead;
      const headers = rest.find((argument): argument is OutgoingHttpHeaders => typeof argument === 'object' && argument !== null && !Array.isArray(argument));
      if (status === 200 && headers !== undefined) cache.put(key, answerOf({ ...headers }, body, route), received.version);
      return (writeHead as (...a: unknown[]) => ServerResponse).call(this, status, ...rest);
    } as typeof raw.writeHead;
  }

  return {
    genReqId,
    front: (handler) => {
      const pass = (request: IncomingMessage, response: ServerResponse): void => {
        (request as NotedRequest)[RECEIVED] = { url: request.url ?? '/', version: cache.currentVersion() };
        handler(request, response);
      };
      return (request, response) => {
        if (request.method !== 'GET' && request.method !== 'HEAD') return handler(request, response);
        const arrived = performance.now();
        const found = lookup(request);
        if (found === null) return pass(request, response);
        if (answer(request, response, found, arrived)) return;
        // An answer known to be cacheable is computed once at a time: when the cache has just
        // expired, 64 connections asking for it wait for one full request instead of making 64.
        const waiting = underWay.get(found.key);
        if (waiting !== undefined) {
          waiting.push(() => answer(request, response, found, arrived) || pass(request, response));
          return;
        }
        if (cache.knows(found.key)) {
          const queue: Array<() => void> = [];
          underWay.set(found.key, queue);
          response.once('close', () => {
            underWay.delete(found.key);
            for (const next of queue) next();
          });
        }
        pass(request, response);
      };
    },
    install(app) {
      log = app.log;
      app.addHook('onRequest', (request, _reply, done) => {
        if ((request.raw as NotedRequest)[RECEIVED] !== undefined) {
          const identity = request.identity;
          const until = (identity?.fqans?.length ?? 0) > 0 ? now() + CONNECTION_IDENTITY_MS : Number.POSITIVE_INFINITY;
          connections.set(request.raw.socket, { key: identityKey(identity), dn: identity?.dn ?? null, until });
        }
        done();
      });
      app.addHook('onSend', (request, reply, payload, done) => {
        keep(request, reply, payload);
        done(null, payload);
      });
    },
  };
}

function answerOf(headers: OutgoingHttpHeaders, body: Buffer, route: string): CachedAnswer {
  const etag = headers.etag;
  const lastModified = headers['last-modified'];
  const date = typeof lastModified === 'string' ? new Date(lastModified) : null;
  return { headers, body, route, etag: typeof etag === 'string' ? etag : null, lastModified: date !== null && Number.isFinite(date.getTime()) ? date : null };
}

function without304(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const kept = { ...headers };
  for (const name of NOT_ON_304) delete kept[name];
  return kept;
}
