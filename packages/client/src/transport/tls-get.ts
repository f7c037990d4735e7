/**
 * One GET over a fresh TLS connection, with the response body delivered from a single reused
 * read buffer (`tls.connect`'s `onread`): node's http client allocates a Buffer for every
 * 16 KiB TLS record and runs its parser's JavaScript for each, which profiles showed costing
 * more than the decryption itself at gigabytes per second. The request is written by hand
 * (`Connection: close`), the response head parsed here, and the body framed by
 * Content-Length, chunked encoding, or the end of the connection. `onBody` sees each piece
 * only during the call and may answer false to pause the socket until `resume()`. Reached
 * through `HttpTransport.getBody`, which gives it the transport's TLS options and limits.
 */
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';

export interface ResponseHead {
  readonly status: number;
  readonly statusMessage: string;
  /** Lowercase names; repeated fields joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
}

export interface TlsGetRequest {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: ConnectionOptions;
  readonly idleTimeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export interface BodyHandlers {
  onHead(head: ResponseHead): void;
  /** A piece of the body, valid during the call only; false pauses the socket until resume(). */
  onBody(bytes: Uint8Array): boolean;
}

export interface BodyStream {
  /** Resolves once the whole body was delivered; rejects on a network error or a cut body. */
  readonly done: Promise<void>;
  resume(): void;
  /** Closes the connection; `done` rejects with `error`. */
  abort(error: Error): void;
}

const READ_BUFFER_BYTES = 64 * 1024;
const MAX_HEAD_BYTES = 64 * 1024;

/** Body framing state: bytes left in a sized body or the current chunk, or where the chunked parser is. */
type Framing =
  | { kind: 'length'; left: number }
  | { kind: 'close' }
  | { kind: 'chunked'; state: 'size' | 'data' | 'data-end' | 'trailer'; left: number; line: string };

class CutError extends Error {
  readonly code = 'ECONNRESET';
}

export function tlsGet(request: TlsGetRequest, handlers: BodyHandlers): BodyStream {
  const { url } = request;
  // Assigned once connect() is called below; the callbacks run only after that.
  const connection: { socket?: TLSSocket } = {};
  let head: Buffer[] = [];
  let headBytes = 0;
  let framing: Framing | undefined;
  let settled = false;
  let resolveDone!: () => void;
  let rejectDone!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const finish = (error?: Error): void => {
    if (settled) return;
    settled = true;
    connection.socket?.destroy();
    if (error) rejectDone(error);
    else resolveDone();
  };

  /** Delivers body bytes per the framing; answers false to pause. */
  const body = (bytes: Uint8Array): boolean => {
    const f = framing as Framing;
    if (f.kind === 'close') return handlers.onBody(bytes);
    if (f.kind === 'length') {
      const take = Math.min(f.left, bytes.length);
      f.left -= take;
      const more = take > 0 ? handlers.onBody(bytes.subarray(0, take)) : true;
      if (f.left === 0) finish();
      return more;
    }
    let more = true;
    for (let i = 0; i < bytes.length && !settled; ) {
      if (f.state === 'data') {
        const take = Math.min(f.left, bytes.length - i);
        more = handlers.onBody(bytes.subarray(i, i + take)) && more;
        f.left -= take;
        i += take;
        if (f.left === 0) f.state = 'data-end';
        continue;
      }
      const newline = bytes.indexOf(0x0a, i);
      const end = newline === -1 ? bytes.length : newline;
      f.line += Buffer.from(bytes.subarray(i, end)).toString('latin1');
      i = end + 1;
      if (newline === -1) break;
      const line = f.line.replace(/\r$/, '');
      f.line = '';
      if (f.state === 'data-end') f.state = 'size';
      else if (f.state === 'size') {
        const size = Number.parseInt(line.split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) return void finish(new Error(`bad chunk size line ${JSON.stringify(line)}`)), false;
        if (size === 0) f.state = 'trailer';
        else Object.assign(f, { state: 'data', left: size });
      } else if (line === '') finish();
    }
    return more;
  };

  const onRead = (length: number, buffer: Buffer): boolean => {
    if (settled) return false;
    const bytes = buffer.subarray(0, length);
    if (framing !== undefined) return body(bytes);
    head.push(Buffer.from(bytes));
    headBytes += length;
    const all = head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head);
    const end = all.indexOf('\r\n\r\n');
    if (end === -1) {
      if (headBytes > MAX_HEAD_BYTES) finish(new Error('the response head is too large'));
      return true;
    }
    head = [];
    const parsed = parseHead(all.subarray(0, end).toString('latin1'));
    if (parsed === undefined) return void finish(new Error('the server answered something that is not HTTP/1.x')), false;
    const encoding = parsed.headers['transfer-encoding']?.toLowerCase();
    const announced = parsed.headers['content-length'];
    framing = parsed.status === 204 || parsed.status === 304 ? { kind: 'length', left: 0 }
      : encoding !== undefined && encoding.includes('chunked') ? { kind: 'chunked', state: 'size', left: 0, line: '' }
        : announced !== undefined && /^\d+$/.test(announced.trim()) ? { kind: 'length', left: Number(announced) }
          : { kind: 'close' };
    handlers.onHead(parsed);
    if (settled) return false;
    if (framing.kind === 'length' && framing.left === 0) {
      finish();
      return false;
    }
    const rest = all.subarray(end + 4);
    return rest.length > 0 ? body(rest) : true;
  };

  const path = `${url.pathname}${url.search}`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const lines = [`GET ${path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  // `onread` is in tls.connect's documentation (node >= 15.1) but not in @types/node 20's ConnectionOptions.
  const options: ConnectionOptions & { onread: { buffer: Buffer; callback: (length: number, buffer: Buffer) => boolean } } = {
    ...request.tls,
    host,
    port: Number(url.port || 443),
    ...(isIP(host) === 0 && { servername: host }),
    onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: onRead },
  };
  const socket = connect(options);
  connection.socket = socket;
  socket.once('secureConnect', () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
  socket.setTimeout(request.idleTimeoutMs, () => finish(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
  socket.on('error', (error) => finish(error));
  socket.on('close', () => {
    if (framing?.kind === 'close') finish();
    else finish(new CutError(framing === undefined ? 'the connection closed before an answer' : 'the connection closed before the end of the body'));
  });
  const onAbort = (): void => finish(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
  request.signal?.addEventListener('abort', onAbort, { once: true });
  void done.catch(() => {}).finally(() => request.signal?.removeEventListener('abort', onAbort));

  return {
    done,
    resume: () => {
      if (!settled) socket.resume();
    },
    abort: (error) => finish(error),
  };
}

function parseHead(text: string): ResponseHead | undefined {
  const [statusLine = '', ...fields] = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon <= 0) continue;
    const name = field.slice(0, colon).trim().toLowerCase();
    const value = field.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(match[1]), statusMessage: match[2] ?? '', headers };
}
