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
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { UploadSource } from '../storage/index.js';

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
 * The body of `request` as an UploadSource read from the socket, or undefined when it must be
 * read as the request stream (chunked, already complete or flowing, or node internals not
 * as expected). Nothing changes until the source is first resumed.
 */
export function socketBody(request: IncomingMessage): UploadSource | undefined {
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

class SocketBody extends EventEmitter implements UploadSource {
  /** Body bytes not yet read from the socket. */
  #remaining: number;
  #taken = false;
  /** The socket is ours: detached from the parser, reading into our buffer. */
  #reading = false;
  #paused = true;
  /** Chunks to hand out before reading on: what the parser had read, and what came while paused. */
  readonly #pending: Buffer[] = [];
  #flushing = false;
  #ended = false;
  #closed = false;
  #error: Error | null = null;

  constructor(
    private readonly request: IncomingMessage,
    private readonly socket: SocketWithInternals,
    private readonly internals: Internals,
    length: number,
  ) {
    super();
    this.#remaining = length;
    socket.once('error', (error: Error) => {
      if (this.#ended) return;
      this.#error = error;
      // Nobody reading any more (the upload was refused or aborted, the answer is on its way):
      // `errored` keeps it; an 'error' without listener would crash the process.
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    const closed = (): void => {
      if (this.#ended || this.#closed || this.#remaining <= 0) return; // every byte arrived: not cut short
      this.#closed = true;
      this.emit('close');
    };
    socket.once('end', closed);
    socket.once('close', closed);
  }

  get readableEnded(): boolean {
    return this.#ended;
  }

  get destroyed(): boolean {
    return this.#closed || this.socket.destroyed;
  }

  get errored(): Error | null {
    return this.#error;
  }

  pause(): this {
    this.#paused = true;
    if (this.#reading) this.socket.pause();
    return this;
  }

  resume(): this {
    this.#paused = false;
    if (this.#flushing) return this;
    // Handed out on a later tick, as a Readable would, not inside the caller's resume(). The
    // first time, after the parser is done with what it has read: the route may run inside
    // the parser's callback for the headers, with body bytes of the same read still to parse.
    this.#flushing = true;
    if (this.#taken) process.nextTick(() => this.#flush());
    else setImmediate(() => {
      this.#take();
      this.#flush();
    });
    return this;
  }

  /** Takes what the parser read of the body, then detaches the socket from it and reads into one reused buffer. */
  #take(): void {
    this.#taken = true;
    for (let chunk: unknown; (chunk = this.request.read()) !== null; ) {
      const bytes = chunk as Buffer;
      this.#pending.push(bytes);
      this.#remaining -= bytes.length;
    }
    if (this.#remaining <= 0 || this.#closed || this.socket.destroyed) return;
    const { parser, handle, kBuffer, kBufferCb } = this.internals;
    const buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
    parser.unconsume();
    parser._consumed = false;
    this.socket[kBuffer] = buffer;
    this.socket[kBufferCb] = (read: number, bytes: Buffer): boolean => this.#onRead(bytes.subarray(0, read));
    handle.useUserBuffer(buffer);
    this.#reading = true;
  }

  /** One read from the socket; false stops reading until resume(). */
  #onRead(read: Buffer): boolean {
    if (this.#remaining <= 0 || this.#closed) return false; // past the body: the connection closes after the answer
    const bytes = read.length > this.#remaining ? read.subarray(0, this.#remaining) : read;
    this.#remaining -= bytes.length;
    if (this.#paused || this.#pending.length > 0) this.#pending.push(Buffer.from(bytes));
    else this.emit('data', bytes);
    this.#endIfDone();
    return !this.#paused && this.#remaining > 0;
  }

  #flush(): void {
    this.#flushing = false;
    while (!this.#paused && this.#pending.length > 0) this.emit('data', this.#pending.shift());
    if (this.#paused) return;
    if (!this.#endIfDone() && this.#reading && !this.#closed) this.socket.resume();
  }

  /** Emits 'end' once every byte was handed out; true if the body is done. */
  #endIfDone(): boolean {
    if (this.#remaining > 0 || this.#pending.length > 0 || this.#paused) return this.#ended;
    if (!this.#ended) {
      this.#ended = true;
      this.emit('end');
    }
    return true;
  }
}
