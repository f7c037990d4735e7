/**
 * Answers for what node's HTTP parser refuses before a request reaches fastify (a malformed
 * request line, an unknown method, bad chunked encoding, headers over the size limit, a request
 * not received in time) and for CONNECT, which node hands to a separate event and would
 * otherwise drop without a word. Each gets the API's envelope `{"error": {"code", "message"}}`
 * with a fitting status, written straight to the socket, which is then closed: after a parse
 * error the rest of the stream cannot be trusted.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../services/error-catalogue.js';
import { ERROR_STATUS } from './error-status.js';

interface Answer {
  readonly code: ErrorCode;
  readonly message: string;
}

/** node's parser error codes (llhttp's `HPE_*`, node's `ERR_*`) → what to tell the client. */
const ANSWERS: Readonly<Record<string, Answer>> = {
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', message: 'the request headers exceed the server limit (16 KiB); send fewer or shorter headers' },
  HPE_INVALID_METHOD: { code: 'NOT_IMPLEMENTED', message: 'unknown HTTP method; this API uses GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS' },
  HPE_INVALID_CHUNK_SIZE: { code: 'BAD_REQUEST', message: 'malformed chunked encoding: a chunk size is not hexadecimal' },
  HPE_STRICT: { code: 'BAD_REQUEST', message: 'malformed chunked encoding or line ending' },
  HPE_INVALID_TRANSFER_ENCODING: { code: 'BAD_REQUEST', message: 'invalid Transfer-Encoding: only chunked is accepted, as the last encoding, and never together with Content-Length' },
  HPE_UNEXPECTED_CONTENT_LENGTH: { code: 'BAD_REQUEST', message: 'a request may not carry both Content-Length and Transfer-Encoding' },
  HPE_INVALID_CONTENT_LENGTH: { code: 'BAD_REQUEST', message: 'invalid or repeated Content-Length header' },
  HPE_INVALID_VERSION: { code: 'BAD_REQUEST', message: 'malformed request line: expected "METHOD /path HTTP/1.1"' },
  HPE_INVALID_URL: { code: 'BAD_REQUEST', message: 'malformed request line: the request target is not a valid path' },
  HPE_INVALID_HEADER_TOKEN: { code: 'BAD_REQUEST', message: 'malformed header: a header name or value has characters HTTP does not allow' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'REQUEST_TIMEOUT', message: 'the request was not received in time' },
};

/** A well-formed request line: only then is HPE_INVALID_METHOD an unknown method, not garbage. */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/\d\.\d\r?\n/;

const MALFORMED: Answer = { code: 'BAD_REQUEST', message: 'malformed HTTP request; check the request line, headers and body framing' };
const CONNECT: Answer = { code: 'NOT_IMPLEMENTED', message: 'CONNECT is not supported: this server is not a proxy' };

/** fastify's `clientErrorHandler`: the envelope instead of fastify's own `{"error":"Bad Request",…}`. */
export function answerClientError(error: Error & { code?: string; rawPacket?: unknown }, socket: Duplex): void {
  // A reset connection has nobody to answer; a response already started cannot be replaced.
  const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (error.code !== 'ECONNRESET' && !socket.destroyed && socket.writable && !started) {
    const garbage = error.code === 'HPE_INVALID_METHOD' && !(Buffer.isBuffer(error.rawPacket) && REQUEST_LINE.test(error.rawPacket.toString('latin1')));
    writeEnvelope(socket, garbage ? MALFORMED : (ANSWERS[error.code ?? ''] ?? MALFORMED));
  }
  socket.destroy();
}

/** Answers CONNECT (node's 'connect' event) instead of letting node drop the connection silently. */
export function refuseConnect(server: Server): void {
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    writeEnvelope(socket, CONNECT);
    socket.end();
  });
}

function writeEnvelope(socket: Duplex, answer: Answer): void {
  const status = ERROR_STATUS[answer.code];
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
