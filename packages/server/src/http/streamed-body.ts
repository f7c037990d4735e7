/**
 * The body of an upload request as a route hands it to a service, shared by the PUT of the raw
 * URL and the PATCH of a resumable upload: read straight from the socket when its length is
 * known (socket-body.ts), `100 Continue` sent only once the service starts reading, aborted
 * when the client goes away or when nothing arrives for `limits.idle_timeout` (408,
 * watched-body.ts), and, for any answer given before the body was read, a lingering close of
 * the connection so that the client still sending reads the answer (linger-close.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { RepomanError } from '../services/repoman-error.js';
import { sendContinue } from './expect-continue.js';
import { lingerOnClose } from './linger-close.js';
import { socketBody } from './socket-body.js';
import { WatchedBody } from './watched-body.js';

export interface StreamedBody {
  /** The body, paused, for the service to read. */
  readonly source: Readable;
  /** Aborts on a gone client, or with a 408 RepomanError once the body went idle. */
  readonly signal: AbortSignal;
  /** Stops watching; call it once the service is done, in `finally`. */
  stop(): void;
}

/** The source an upload reads, for the lingering close to discard the rest of it. */
const bodies = new WeakMap<IncomingMessage, Readable>();

/** Closes the connection after any answer to `method` given before its body was read. */
export function closeAfterUnreadBodies(app: FastifyInstance, method: string): void {
  app.addHook('onSend', async (request, reply) => {
    if (request.method === method && !request.raw.readableEnded) {
      reply.header('connection', 'close');
      lingerOnClose(request.raw.socket, bodies.get(request.raw) ?? request.raw);
    }
  });
}

/** Watches the body of `request`; `outcome` ends the 408 message ("the image was not changed"). */
export function streamedBody(request: FastifyRequest, reply: FastifyReply, idleMs: number, outcome: string): StreamedBody {
  const abort = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableFinished) abort.abort(new Error('the client closed the connection'));
  };
  reply.raw.once('close', onClose);
  const source = socketBody(request.raw) ?? request.raw;
  bodies.set(request.raw, source);
  const body = new WatchedBody(source, {
    idleMs,
    // Only once the service decided identity, access and length: a refusal goes without it.
    onFirstRead: () => sendContinue(request.raw, reply.raw),
    onIdle: () => {
      const message = `no byte of the body arrived for ${idleMs / 1000} s (limits.idle_timeout); the upload was aborted and ${outcome}`;
      abort.abort(new RepomanError('REQUEST_TIMEOUT', message, { unreadBody: true }));
    },
  });
  return {
    source: body.source,
    signal: abort.signal,
    stop() {
      body.stop();
      reply.raw.off('close', onClose);
    },
  };
}
