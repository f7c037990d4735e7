// An upload body read straight from its TLS socket (http/socket-body.ts), against node's real
// HTTPS server and a raw TLS client that controls exactly what goes on the wire: the bytes
// reach the blob store's ingest loop exactly (size and sha256), through many pauses of a slow
// sink; bytes the parser read with the headers come first; bytes past Content-Length are not
// part of the body; a connection cut mid-body ends the upload as aborted; chunked and
// complete bodies are left to the request stream.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { socketBody } from '../src/http/socket-body.js';
import { UploadAbortedError } from '../src/storage/blob-errors.js';
import { ingestStream } from '../src/storage/ingest-stream.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('socketBody', () => {
  let server: Server;
  let port: number;
  let handler: Handler = () => {};
  const dir = mkdtempSync(join(tmpdir(), 'repoman-socket-body-'));

  before(async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (request, response) => handler(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends `parts` (with `gapMs` between them) on one TLS connection; resolves with all it receives until close. */
  async function exchange(parts: Buffer[], options: { gapMs?: number; cutAfter?: number } = {}): Promise<string> {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    for (const [index, part] of parts.entries()) {
      socket.write(part);
      if (options.cutAfter === index) {
        await sleep(50);
        socket.destroy();
        break;
      }
      if (options.gapMs !== undefined) await sleep(options.gapMs);
    }
    await closed;
    return Buffer.concat(received).toString('latin1');
  }

  const head = (length: number | 'chunked', extra = ''): Buffer =>
    Buffer.from(`PUT /upload HTTP/1.1\r\nHost: localhost\r\n${length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`}\r\n${extra}\r\n`);

  /** Serves one upload: reads the body as the blob store does, with a sink that waits `sinkMs` per batch. */
  function serveUpload(sinkMs: number): Promise<{ taken: boolean; outcome: { size: number; sha256: string } | Error }> {
    return new Promise((resolve) => {
      handler = (request, response) => {
        const source = socketBody(request);
        const sink = async (): Promise<void> => {
          if (sinkMs > 0) await sleep(sinkMs);
        };
        ingestStream(source ?? request, sink, { batchBytes: 64 * 1024 }).then(
          (result) => {
            response.setHeader('connection', 'close');
            response.end(JSON.stringify(result));
            resolve({ taken: source !== undefined, outcome: result });
          },
          (error: Error) => {
            response.destroy();
            resolve({ taken: source !== undefined, outcome: error });
          },
        );
      };
    });
  }

  it('reads the body from the socket exactly, through the pauses of a slow sink', async () => {
    const body = randomBytes(6 * 1024 * 1024 + 123);
    const served = serveUpload(1);
    // Headers and the first 100 kB in one write (the parser reads those), the rest in pieces.
    const parts = [Buffer.concat([head(body.length), body.subarray(0, 100_000)])];
    for (let offset = 100_000; offset < body.length; offset += 1024 * 1024) parts.push(body.subarray(offset, offset + 1024 * 1024));
    const answer = await exchange(parts);
    const { taken, outcome } = await served;
    assert.equal(taken, true, 'the body was read from the socket');
    assert.deepEqual(outcome, { size: body.length, sha256: sha256(body) });
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answer, /\r\nconnection: close\r\n/i);
  });

  it('takes only Content-Length bytes: what follows is not part of the body', async () => {
    const body = randomBytes(300_000);
    const served = serveUpload(0);
    const pipelined = Buffer.from('GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await exchange([head(body.length), Buffer.concat([body, pipelined])], { gapMs: 20 });
    const { taken, outcome } = await served;
    assert.equal(taken, true);
    assert.deepEqual(outcome, { size: body.length, sha256: sha256(body) });
  });

  it('ends the upload as aborted when the client cuts the connection mid-body', async () => {
    const served = serveUpload(0);
    await exchange([head(10_000_000), randomBytes(500_000)], { cutAfter: 1, gapMs: 20 });
    const { taken, outcome } = await served;
    assert.equal(taken, true);
    assert.ok(outcome instanceof UploadAbortedError, `aborted, not ${String(outcome)}`);
  });

  it('leaves chunked bodies and bodies already read to the request stream', async () => {
    const body = randomBytes(50_000);
    let served = serveUpload(0);
    const chunked = Buffer.concat([head('chunked'), Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    await exchange([chunked]);
    let result = await served;
    assert.equal(result.taken, false);
    assert.deepEqual(result.outcome, { size: body.length, sha256: sha256(body) });

    // A small body sent with its headers is complete before the handler runs.
    served = new Promise((resolve) => {
      handler = (request, response) => {
        setImmediate(() => {
          const source = socketBody(request);
          void ingestStream(source ?? request, async () => {}).then((outcome) => {
            response.end();
            resolve({ taken: source !== undefined, outcome });
          });
        });
      };
    });
    await exchange([Buffer.concat([head(body.length, 'Connection: close\r\n'), body])]);
    result = await served;
    assert.equal(result.taken, false);
    assert.deepEqual(result.outcome, { size: body.length, sha256: sha256(body) });
  });
});
