// Pipelined downloads on a connection that is cut (SPEC §3 image bytes): every GET of the
// pipeline opened its blob file, and the responses queued behind the first never hear that
// the socket closed; each handler must still close its file and finish, leaving no file
// descriptor open and nothing for the collector to close (node's DEP0137 warning).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { after, before, test } from 'node:test';
import { createWithBytes } from './helpers/image-helpers.js';
import { listen, openFilesUnder } from './helpers/listen.js';
import { waitFor } from './helpers/test-files.js';
import { createTestApp, TEST_DN_HEADER, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
let t: TestApp;
let port: number;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await createWithBytes(t, BOB, 'bob', 'big.img', randomBytes(8 * 1024 * 1024));
  ({ port } = await listen(t));
});
after(() => t.close());

test('a pipeline of GETs cut after the first bytes closes every blob file, without DEP0137', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error & { code?: string }): void => {
    warnings.push(`${warning.code ?? ''} ${warning.message}`);
  };
  process.on('warning', onWarning);
  try {
    for (let round = 0; round < 3; round += 1) {
      const socket = connect({ host: '127.0.0.1', port });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.on('error', () => {});
      const request = `GET /api/images/raw/bob/big.img HTTP/1.1\r\nHost: x\r\n${TEST_DN_HEADER}: ${encodeURIComponent(BOB)}\r\n\r\n`;
      socket.write(request.repeat(8));
      let received = 0;
      await new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > 256 * 1024) resolve();
        });
      });
      // Let the later handlers open their files, then cut.
      await sleep(200);
      socket.destroy();
    }
    const root = t.config.storage.path;
    await waitFor('every blob file closed', () => openFilesUnder(root).length === 0, 5000);
    gc();
    await sleep(100);
    gc();
    await sleep(100);
    assert.deepEqual(warnings.filter((w) => w.includes('DEP0137')), []);
    // The server still serves.
    const response = await t.request('GET', '/api/images/raw/bob/big.img', { dn: BOB });
    assert.equal(response.statusCode, 200);
    assert.equal(response.rawPayload.length, 8 * 1024 * 1024);
  } finally {
    process.off('warning', onWarning);
  }
});
