// An upload's body read straight from its socket. Node's HTTP parser hands a body to
// JavaScript as one freshly allocated Buffer per TLS record (16 KiB), each pushed through
// IncomingMessage's stream machinery: a gigabyte per second of short-lived memory that glibc's
// heap keeps (resident memory grows with every upload) and the collector sweeps. For a body of
// known length (Content-Length), the socket can leave the parser once the headers are read and
// put its decrypted bytes into one reused buffer instead: net.connect's documented `onread`
// option does that for a client socket; for a server's socket the same switches are internal
// (the socket's kBuffer and kBufferCb, the handle's useUserBuffer, the parser's unconsume), so
// each one is checked first, and anything unexpected (another node version, a chunked body, a
// body already complete or being read) leaves the request to be read as a stream, as before.
// The parser never sees the end of such a body, so the connection closes after the answer
// (the upload route's onSend hook says `Connection: close` for unfinished bodies).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

/** The reused read buffer: TLS hands over at most one 16 KiB record per read. */
const READ_BUFFER_BYTES = 64 * 1024;

interface ParserInternals {
  incoming: unknown;
  _consumed?: boolean;
  unconsume(): void;
}

interface Internals {
  readonly parser: ParserInternals;
  readonly handle: { useUserBuffer(buffer: Uint8Array): void };
  /** net.Socket's user read buffer and its callback (see net.connect's `onread`). */
  readonly kBuffer: symbol;
  readonly kBufferCb: symbol;
}

type SocketWithInternals = Socket & { parser?: Partial<ParserInternals> | null; _handle?: { useUserBuffer?: unknown } | null } & Record<symbol, unknown>;

/**
 * The body of `request` as a Readable read from the socket, or undefined when it must be read
 * as the request stream (chunked, already complete or flowing, or node internals not as
 * expected). Nothing changes until it is first read. Its 'data' chunks are valid only during
 * the call (the blob store copies them, see its UploadSource).
 */
export function socketBody(request: IncomingMessage): Readable | undefined {
  const length = contentLength(request);
  if (length === undefined || request.complete || request.readableEnded || request.readableFlowing === true) return undefined;
  if (request.listenerCount('data') > 0 || request.listenerCount('readable') > 0) return undefined;
  const socket = request.socket as SocketWithInternals;
  const parser = socket.parser;
  const handle = socket._handle;
  if (parser?.incoming !== request || parser._consumed !== true || typeof parser.unconsume !== 'function') return undefined;
  if (typeof handle?.useUserBuffer !== 'function') return undefined;
  const kBuffer = ownSymbol(socket, 'kBuffer');
  const kBufferCb = ownSymbol(socket, 'kBufferCb');
  if (kBuffer === undefined || kBufferCb === undefined || socket[kBuffer] !== null || socket[kBufferCb] !== null) return undefined;
  const internals = { parser: parser as ParserInternals, handle: handle as Internals['handle'], kBuffer, kBufferCb };
  return new SocketBody(request, socket, internals, length);
}

function contentLength(request: IncomingMessage): number | undefined {
  if (request.headers['transfer-encoding'] !== undefined) return undefined;
  const length = Number(request.headers['content-length']);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

function ownSymbol(object: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(object).find((symbol) => symbol.description === description);
}

class SocketBody extends Readable {
  /** Body bytes not yet read from the socket. */
  #remaining: number;
  #starting = false;
  #taken = false;
  /** Our last read callback asked the socket to stop reading. */
  #stopped = false;

  constructor(
    private readonly request: IncomingMessage,
    private readonly socket: SocketWithInternals,
    private readonly internals: Internals,
    length: number,
  ) {
    super({ highWaterMark: READ_BUFFER_BYTES });
    this.#remaining = length;
    // Nobody may be reading when the socket fails (the upload was refused or aborted, the
    // answer is on its way): `errored` keeps the error, an 'error' without listener would
    // crash the process.
    this.on('error', () => {});
    socket.once('error', (error: Error) => {
      if (!this.readableEnded) this.destroy(error);
    });
    const closed = (): void => {
      if (this.destroyed || this.#remaining <= 0) return; // every byte arrived: not cut short
      this.destroy();
    };
    socket.once('end', closed);
    socket.once('close', closed);
  }

  override _read(): void {
    if (this.#taken) {
      if (this.#stopped && !this.destroyed) {
        this.#stopped = false;
        this.socket.resume();
      }
      return;
    }
    // The first time, after the parser is done with what it has read: the route may run
    // inside the parser's callback for the headers, with body bytes of the same read still
    // to parse.
    if (this.#starting) return;
    this.#starting = true;
    setImmediate(() => this.#take());
  }

  /** Takes what the parser read of the body, then detaches the socket from it and reads into one reused buffer. */
  #take(): void {
    if (this.destroyed) return;
    this.#taken = true;
    // The parser's own buffers, fresh for each chunk: handed over as they are.
    for (let chunk: unknown; (chunk = this.request.read()) !== null; ) {
      const bytes = chunk as Buffer;
      this.#remaining -= bytes.length;
      this.push(bytes);
    }
    if (this.#remaining <= 0) {
      this.push(null);
      return;
    }
    if (this.socket.destroyed) return void this.destroy();
    const { parser, handle, kBuffer, kBufferCb } = this.internals;
    const buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
    parser.unconsume();
    parser._consumed = false;
    this.socket[kBuffer] = buffer;
    this.socket[kBufferCb] = (read: number, bytes: Buffer): boolean => this.#onRead(bytes.subarray(0, read));
    handle.useUserBuffer(buffer);
    this.socket.resume();
  }

  /** One read from the socket; false stops reading until the next _read(). */
  #onRead(read: Buffer): boolean {
    if (this.#remaining <= 0 || this.destroyed) return false; // past the body: the connection closes after the answer
    const bytes = read.length > this.#remaining ? read.subarray(0, this.#remaining) : read;
    this.#remaining -= bytes.length;
    // The read buffer is reused: a chunk that a consumer takes at once (flowing, nothing
    // queued: push() emits 'data' right away) is handed over in place, one that would wait in
    // the queue is copied.
    const atOnce = this.readableFlowing === true && this.readableLength === 0 && this.listenerCount('data') > 0;
    this.push(atOnce ? bytes : Buffer.from(bytes));
    if (this.#remaining <= 0) {
      this.push(null);
      return false;
    }
    this.#stopped = this.readableFlowing !== true;
    return !this.#stopped;
  }
}
