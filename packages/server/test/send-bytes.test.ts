// A download's bytes go through the blob store contract's declared fast path: any BlobBody
// that offers sendTo() is sent with it (the reply hijacked, the head written from the reply's
// status and headers), whatever driver made it; a body without it is piped as a Readable.
// Over a real socket, with node's own HTTP client.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, type Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { sendBytes } from '../src/http/send-bytes.js';
import type { BlobBody } from '../src/storage/index.js';

/** A body whose Readable side and fast path yield different bytes, to tell which one was used. */
function bodyWithFastPath(): BlobBody {
  const body: BlobBody = Readable.from([Buffer.from('piped')]);
  body.sendTo = async (out: Writable): Promise<void> => {
    out.write('sent with sendTo');
    body.destroy();
  };
  return body;
}

function fetchText(url: string): Promise<{ status: number; type: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['x-kind'] as string | undefined, text: Buffer.concat(chunks).toString() }));
    }).on('error', reject);
  });
}

describe('sendBytes', () => {
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    app = Fastify();
    app.get('/fast', (_request, reply) => sendBytes(reply.status(206).header('x-kind', 'fast'), bodyWithFastPath()));
    app.get('/plain', (_request, reply) => sendBytes(reply.header('x-kind', 'plain'), Readable.from([Buffer.from('piped')])));
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(() => app.close());

  it('uses sendTo() when the body offers it, with the reply status and headers', async () => {
    assert.deepEqual(await fetchText(`${base}/fast`), { status: 206, type: 'fast', text: 'sent with sendTo' });
  });

  it('pipes a body without it', async () => {
    assert.deepEqual(await fetchText(`${base}/plain`), { status: 200, type: 'plain', text: 'piped' });
  });
});
