/**
 * One HTTPS exchange with the Repoman server over node:https: the client certificate is the
 * proxy file's chain and key, the server is verified against the configured trust anchors
 * (never skipped unless `insecure`), bodies are JSON or a stream made fresh for each attempt.
 * `send` resolves with the response as soon as its headers arrive, whatever the status, and
 * rejects only with `NetworkError` (connection, TLS, timeout) or `TransferAbortedError`. A body
 * may also be written by a function (`sendBody`, chunked), followed by trailers. `getBody`
 * is the download's GET: the same TLS options and limits, its body read through tls-get.ts
 * (the byte fast path, behind this class). TLS sessions are not cached, so every connection
 * presents the whole proxy chain (the server authenticates full handshakes only).
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { ApiError, NetworkError, TransferAbortedError } from '../wire/api-errors.js';
import { tlsGet, type BodyHandlers, type BodyStream } from './tls-get.js';

export type { BodyHandlers, BodyStream, ResponseHead } from './tls-get.js';

export interface TransportOptions {
  /** The server's base URL (`https://host:8443`, optionally with a path prefix). */
  readonly baseUrl: URL;
  /** PEM chain and key to present; none: anonymous. */
  readonly credential?: { readonly certPem: string; readonly keyPem: string } | undefined;
  /** Trust anchors (PEM); undefined: Node's built-in roots. */
  readonly ca?: readonly string[] | undefined;
  /** Skip verification of the server certificate. Never the default. */
  readonly insecure?: boolean | undefined;
  readonly userAgent?: string | undefined;
  /** Idle time after which a connection is given up (default 5 min). */
  readonly idleTimeoutMs?: number | undefined;
}

export type QueryValue = string | number | boolean | undefined;

export interface HttpRequest {
  readonly method: string;
  /** Path under the base URL, starting with `/`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  /** Makes the body stream; called once per attempt so that a retry starts afresh. */
  readonly body?: () => Readable;
  /**
   * Writes the body (chunked) instead; called once per attempt. It must stop when `signal`
   * aborts (the server answered before the end). The request ends when it resolves.
   */
  readonly sendBody?: (out: Writable, signal: AbortSignal) => Promise<void>;
  /**
   * Waits this long for an early answer before `sendBody` starts writing (as curl waits after
   * `Expect: 100-continue`): after a connection closed mid-body, the server most likely
   * answered (403, 404, 413…) and its answer was lost with the connection; asked again
   * without a body first, it gives that answer.
   */
  readonly answerFirstMs?: number;
  /** Trailer fields sent after a `sendBody` body (announce them in a `trailer` header). */
  readonly trailers?: () => Promise<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
}

export interface BodyRequest {
  /** Path under the base URL, starting with `/`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
}

const FATAL_NETWORK_CODES = new Set(['ENOTFOUND', 'ERR_INVALID_URL', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER']);
const TLS_TRUST_CODE = /CERT|SIGNATURE|ISSUER|SELF_SIGNED|HOSTNAME/;

export class HttpTransport {
  private readonly agent: Agent;

  constructor(private readonly options: TransportOptions) {
    this.agent = new Agent({
      keepAlive: true,
      maxCachedSessions: 0,
      ...(options.credential && { cert: options.credential.certPem, key: options.credential.keyPem }),
      ...(options.ca && { ca: [...options.ca] }),
      rejectUnauthorized: options.insecure !== true,
    });
  }

  get baseUrl(): URL {
    return this.options.baseUrl;
  }

  /** What it takes to open another connection to the server: TLS options, idle timeout, user agent. */
  private get connection(): { readonly tls: ConnectionOptions; readonly idleTimeoutMs: number; readonly userAgent: string } {
    const { credential, ca, insecure } = this.options;
    return {
      tls: {
        ...(credential && { cert: credential.certPem, key: credential.keyPem }),
        ...(ca && { ca: [...ca] }),
        rejectUnauthorized: insecure !== true,
      },
      idleTimeoutMs: this.options.idleTimeoutMs ?? 300_000,
      userAgent: this.options.userAgent ?? 'repoman-client',
    };
  }

  /** The absolute URL of an API path. */
  url(path: string, query?: Readonly<Record<string, QueryValue>>): URL {
    const base = this.options.baseUrl;
    const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  send(request: HttpRequest): Promise<IncomingMessage> {
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(new TransferAbortedError('interrupted'));
    const url = this.url(request.path, request.query);
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'repoman-client', accept: 'application/json', ...request.headers };
    let payload: Buffer | undefined;
    if (request.json !== undefined) {
      payload = Buffer.from(JSON.stringify(request.json));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const req = httpsRequest(url, { method: request.method, headers, agent: this.agent });
      req.setTimeout(this.options.idleTimeoutMs ?? 300_000, () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
      const onAbort = (): void => {
        req.destroy();
        fail(new TransferAbortedError('interrupted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        fail(signal?.aborted ? new TransferAbortedError('interrupted') : toNetworkError(error, url));
      });
      req.on('response', (response) => {
        if (settled) {
          response.resume();
          return;
        }
        settled = true;
        response.once('close', () => signal?.removeEventListener('abort', onAbort));
        resolve(response);
      });
      if (request.body) {
        const source = request.body();
        source.on('error', (error) => req.destroy(error));
        source.pipe(req);
        let sent = false;
        source.once('end', () => (sent = true));
        // The server may answer (e.g. 404, 413) before the whole body is sent: stop sending,
        // let the answer be read, then drop the connection (it cannot carry another request).
        req.once('response', (response) => {
          if (sent) return;
          source.unpipe(req);
          source.destroy();
          response.once('close', () => req.destroy());
        });
      } else if (request.sendBody) {
        const stop = new AbortController();
        let sent = false;
        const { sendBody } = request;
        const answerFirst = request.answerFirstMs === undefined ? Promise.resolve()
          : new Promise<void>((resolve) => {
            req.flushHeaders();
            const timer = setTimeout(resolve, request.answerFirstMs);
            req.once('response', () => clearTimeout(timer));
            req.once('close', () => clearTimeout(timer));
          });
        answerFirst.then(() => sendBody(req, stop.signal)).then(async () => {
          if (request.trailers) req.addTrailers(await request.trailers());
          sent = true;
          req.end();
        }).catch((error: unknown) => {
          if (stop.signal.aborted) return;
          // A local failure (the file, its digest) is the caller's, not a network error to retry;
          // a broken connection has already failed the request with its own error.
          fail(error instanceof Error ? error : new Error(String(error)));
          req.destroy();
        });
        req.once('response', (response) => {
          if (sent) return;
          stop.abort();
          response.once('close', () => req.destroy());
        });
      } else {
        req.end(payload);
      }
    });
  }

  /**
   * A GET whose body is handed to `handlers` piece by piece (a download), over its own
   * connection with one reused read buffer (tls-get.ts: less CPU per GiB than
   * node:https, docs/performance.md). Network errors come as they are: the caller maps them
   * with `toNetworkError`, knowing what it was doing.
   */
  getBody(request: BodyRequest, handlers: BodyHandlers): BodyStream {
    const { tls, idleTimeoutMs, userAgent } = this.connection;
    const headers = { 'user-agent': userAgent, ...request.headers };
    return tlsGet({ url: this.url(request.path), headers, tls, idleTimeoutMs, signal: request.signal }, handlers);
  }

  /** Closes idle keep-alive connections so that the process can exit. */
  close(): void {
    this.agent.destroy();
  }
}

export function toNetworkError(error: unknown, url: URL): NetworkError {
  if (error instanceof NetworkError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason = error instanceof Error ? error.message : String(error);
  if (code && TLS_TRUST_CODE.test(code)) {
    return new NetworkError(
      `the server certificate of ${url.host} is not trusted (${reason}): point X509_CERT_DIR, --ca-dir or [Repository] ca_dir/ca_file at its CA`,
      code, false, { cause: error },
    );
  }
  if (code === 'ENOTFOUND') {
    return new NetworkError(`cannot find the host ${url.hostname}: check --server, REPOMAN_SERVER or [Repository] repository`, code, false, { cause: error });
  }
  if (code === 'ECONNREFUSED') {
    return new NetworkError(`nothing answers at ${url.host} (connection refused): is the server running, and the port right?`, code, true, { cause: error });
  }
  return new NetworkError(`the connection to ${url.host} failed: ${reason}`, code, !FATAL_NETWORK_CODES.has(code ?? ''), { cause: error });
}

/** Reads a whole (small) response body. */
export async function readBody(response: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response) {
    length += (chunk as Buffer).length;
    if (length > limit) throw new NetworkError(`the server's answer is larger than ${limit} bytes`, undefined, false);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The `ApiError` of a non-2xx response: the envelope's code and message, or the status line. */
export async function errorFrom(response: IncomingMessage): Promise<ApiError> {
  let body = '';
  try {
    body = (await readBody(response, 1024 * 1024)).toString('utf8');
  } catch {
    // The status alone will do.
  }
  return apiErrorOf(response.statusCode ?? 0, response.statusMessage ?? '', body);
}

/** The `ApiError` of a status and the text of its body. */
export function apiErrorOf(status: number, statusMessage: string, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') {
      const message = typeof parsed.error.message === 'string' ? parsed.error.message : parsed.error.code;
      return new ApiError(status, parsed.error.code, message);
    }
  } catch {
    // Not an envelope (a proxy in between, an old server): fall through.
  }
  return new ApiError(status, `HTTP_${status}`, `the server answered ${status} ${statusMessage}`.trim());
}
