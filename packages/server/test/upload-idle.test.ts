// Upload bodies that stop arriving (SPEC §5 `[limits] idle_timeout`): over a real socket, with
// an idle timeout of 1 s, an upload that sends part of its body and then nothing is answered
// 408 REQUEST_TIMEOUT and its connection closed, leaving no temporary file, no open file and
// the previous bytes; one that sends a little every 300 ms for seconds succeeds. Both body
// paths: Content-Length (read from the socket) and chunked (read as the request stream).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createWithBytes, sha256Hex, storageFiles } from './helpers/image-helpers.js';
import { listen, openFilesUnder } from './helpers/listen.js';
import { createTestApp, TEST_DN_HEADER, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const V1 = 'bob v1 bytes';
let t: TestApp;
let port: number;

before(async () => {
  t = await createTestApp({ env: { REPOMAN_LIMITS_IDLE_TIMEOUT: '1s' } });
  await t.addUser('bob', BOB);
  await createWithBytes(t, BOB, 'bob', 'idle.img', V1);
  ({ port } = await listen(t));
});
after(() => t.close());

type Framing = 'length' | 'chunked';

/** Opens a connection and sends a PUT's head for `total` body bytes. */
async function startPut(framing: Framing, total: number): Promise<{ socket: Socket; response: Promise<{ text: string; closedAfterMs: number }>; answer: Promise<string> }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  const started = Date.now();
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const response = new Promise<{ text: string; closedAfterMs: number }>((resolve) => {
    socket.once('close', () => resolve({ text: Buffer.concat(received).toString('latin1'), closedAfterMs: Date.now() - started }));
  });
  // A complete answer on a connection kept alive, for the uploads that succeed.
  const answer = new Promise<string>((resolve) => {
    const check = (): void => {
      const text = Buffer.concat(received).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text);
      if (end !== -1 && length !== null && text.length >= end + 4 + Number(length[1])) resolve(text);
    };
    socket.on('data', check);
    socket.once('close', () => resolve(Buffer.concat(received).toString('latin1')));
  });
  const length = framing === 'length' ? `Content-Length: ${total}` : 'Transfer-Encoding: chunked';
  socket.write(`PUT /api/images/raw/bob/idle.img HTTP/1.1\r\nHost: x\r\n${TEST_DN_HEADER}: ${encodeURIComponent(BOB)}\r\n${length}\r\n\r\n`);
  return { socket, response, answer };
}

function sendPart(socket: Socket, framing: Framing, part: Buffer): void {
  socket.write(framing === 'length' ? part : Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]));
}

async function download(): Promise<Buffer> {
  const response = await t.request('GET', '/api/images/raw/bob/idle.img', { dn: BOB });
  assert.equal(response.statusCode, 200);
  return response.rawPayload;
}

for (const framing of ['length', 'chunked'] as const) {
  describe(`a ${framing === 'length' ? 'Content-Length' : 'chunked'} upload`, () => {
    test('that stalls is aborted with 408 after idle_timeout, its connection closed, nothing left behind', { timeout: 15_000 }, async () => {
      const blobsBefore = await storageFiles(t);
      const bytesBefore = await download();
      const { socket, response } = await startPut(framing, 4 * 1024 * 1024);
      sendPart(socket, framing, randomBytes(200 * 1024));
      // The temporary upload exists while the body arrives.
      await sleep(300);
      assert.ok((await storageFiles(t)).length > blobsBefore.length, 'a temporary upload while bytes arrive');
      const { text, closedAfterMs } = await response;
      assert.match(text, /^HTTP\/1\.1 408 /);
      assert.match(text, /"code":"REQUEST_TIMEOUT"/);
      assert.match(text, /idle_timeout/);
      assert.ok(closedAfterMs >= 1000 && closedAfterMs < 5000, `closed after ${closedAfterMs} ms`);
      socket.destroy();
      assert.deepEqual(await storageFiles(t), blobsBefore);
      assert.deepEqual(openFilesUnder(t.config.storage.path), []);
      assert.deepEqual(await download(), bytesBefore);
    });

    test('that is slow but keeps sending (every 300 ms for 3 s) succeeds', { timeout: 15_000 }, async () => {
      const parts = Array.from({ length: 10 }, () => randomBytes(4096));
      const whole = Buffer.concat(parts);
      const { socket, answer } = await startPut(framing, whole.length);
      for (const part of parts) {
        sendPart(socket, framing, part);
        await sleep(300);
      }
      if (framing === 'chunked') socket.write('0\r\n\r\n');
      const text = await answer;
      socket.destroy();
      assert.match(text, /^HTTP\/1\.1 200 /);
      assert.equal(sha256Hex(await download()), sha256Hex(whole));
    });
  });
}

test('50 uploads stalled at once are all aborted and closed, with no file left open', { timeout: 20_000 }, async () => {
  const bytesBefore = await download();
  const blobsBefore = await storageFiles(t);
  const stalled = await Promise.all(Array.from({ length: 50 }, async (_, index) => {
    const framing: Framing = index % 2 === 0 ? 'length' : 'chunked';
    const put = await startPut(framing, 1024 * 1024);
    sendPart(put.socket, framing, randomBytes(64 * 1024));
    return put;
  }));
  const answers = await Promise.all(stalled.map(({ response }) => response));
  for (const { text, closedAfterMs } of answers) {
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.ok(closedAfterMs < 8000, `closed after ${closedAfterMs} ms`);
  }
  assert.deepEqual(openFilesUnder(t.config.storage.path), []);
  assert.deepEqual(await storageFiles(t), blobsBefore);
  assert.deepEqual(await download(), bytesBefore);
});
