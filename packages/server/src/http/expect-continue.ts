/**
 * `Expect: 100-continue` answered only once the request is decided. Node answers `100 Continue`
 * on its own, before any hook has run, unless the server has a 'checkContinue' listener: then a
 * 401/403/404/413 arrives after the client was told to send, and it sends megabytes for nothing
 * (curl even reports the 100 as the status when the answer races the upload). So the listener
 * passes the request on without answering, and `100 Continue` is sent just before the body is
 * read: for routes with `config: { deferContinue: true }` (uploads) by the route itself when it
 * starts reading (`sendContinue`), for every other route once identity and access hooks passed
 * (preParsing, before the body parsers wait for the body). A refusal is sent without it, and
 * Node closes such a connection after the answer.
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route sends `100 Continue` itself (`sendContinue`) when it starts reading the body. */
    deferContinue?: boolean;
  }
}

const EXPECTS_CONTINUE = /^\s*100-continue\s*$/i;
const continued = new WeakSet<ServerResponse>();

export function installExpectContinue(app: FastifyInstance): void {
  app.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    app.server.emit('request', request, response);
  });
  // A callback hook: it runs on every request, and an async one costs a promise and a microtask.
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (request.headers.expect !== undefined && request.routeOptions.config.deferContinue !== true) sendContinue(request.raw, reply.raw);
    done(null, payload);
  });
}

/** Tells a client that waits for it to send its body; at most once, and never after the answer began. */
export function sendContinue(request: IncomingMessage, response: ServerResponse): void {
  const expect = request.headers.expect;
  if (expect === undefined || !EXPECTS_CONTINUE.test(expect) || continued.has(response) || response.headersSent) return;
  continued.add(response);
  response.writeContinue();
}
