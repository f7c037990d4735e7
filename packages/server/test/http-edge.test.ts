// What node's HTTP parser refuses before fastify sees a request, and CONNECT, answer the API's
// envelope with a fitting status over a raw socket (not fastify's `{"error":"Bad Request",…}`
// or a silently closed connection); a trailing slash answers exactly as the path without it.
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ADMIN_DN, createTestApp, type TestApp } from './helpers/test-app.js';

interface RawAnswer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

describe('malformed HTTP over a raw socket', () => {
  let t: TestApp;
  let port: number;

  before(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t.close());

  /** Sends `request` as is and reads until the server closes the connection. */
  const send = (request: string): Promise<RawAnswer> =>
    new Promise((done, fail) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('error', fail);
      socket.on('close', () => {
        const [head = '', body = ''] = text.split('\r\n\r\n', 2);
        done({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1] ?? 0), headers: head, body });
      });
    });

  const envelope = (answer: RawAnswer): { code: string; message: string } => {
    assert.match(answer.headers, /content-type: application\/json/i);
    const parsed = JSON.parse(answer.body) as { error: { code: string; message: string } };
    assert.deepEqual(Object.keys(parsed), ['error']);
    assert.equal(typeof parsed.error.message, 'string');
    return parsed.error;
  };

  const cases: [string, string, number, string, RegExp][] = [
    ['bad chunked encoding', 'POST /api/images HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n', 400, 'BAD_REQUEST', /chunk/],
    ['oversized headers', `GET /api/images HTTP/1.1\r\nHost: h\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE', /headers/],
    ['an unknown method', 'FROB /api/images HTTP/1.1\r\nHost: h\r\n\r\n', 501, 'NOT_IMPLEMENTED', /method/],
    ['CONNECT', 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', 501, 'NOT_IMPLEMENTED', /CONNECT/],
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'BAD_REQUEST', /request line|malformed/],
    ['a bad HTTP version', 'GET /api/images HTTP/7.x\r\nHost: h\r\n\r\n', 400, 'BAD_REQUEST', /request line/],
    ['Content-Length with Transfer-Encoding', 'POST /api/images HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', 400, 'BAD_REQUEST', /Content-Length|Transfer-Encoding/],
  ];
  for (const [what, request, status, code, message] of cases) {
    it(`${what} answers ${status} ${code} in the envelope`, async () => {
      const answer = await send(request);
      assert.equal(answer.status, status, answer.headers);
      const error = envelope(answer);
      assert.equal(error.code, code);
      assert.match(error.message, message);
    });
  }

  it('the server still answers after them', async () => {
    const answer = await send(`GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    assert.equal(answer.status, 200);
  });
});

describe('a trailing slash', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  for (const [method, path] of [['GET', '/api/images'], ['POST', '/api/images'], ['DELETE', '/api/images'], ['GET', '/api/users'], ['GET', '/api/users/admin'], ['GET', '/api/whoami']] as const) {
    it(`${method} ${path}/ answers as ${method} ${path}`, async () => {
      const options = { dn: ADMIN_DN, ...(method === 'POST' && { json: { name: `slash-${Math.random().toString(36).slice(2)}` } }) };
      const plain = await t.request(method, path, options);
      const slashed = await t.request(method, `${path}/`, method === 'POST' ? { dn: ADMIN_DN, json: { name: `slash-${Math.random().toString(36).slice(2)}` } } : options);
      assert.equal(slashed.statusCode, plain.statusCode, slashed.body);
      assert.equal(slashed.headers.allow, plain.headers.allow);
      if (method !== 'POST') assert.equal(slashed.body, plain.body);
    });
  }

  it('keeps the query string', async () => {
    const slashed = await t.request('GET', '/api/images/?limit=1&offset=0', { dn: ADMIN_DN });
    assert.equal(slashed.statusCode, 200, slashed.body);
    assert.equal((await t.request('GET', '/api/images/?nonsense=1', { dn: ADMIN_DN })).statusCode, 400);
  });
});

