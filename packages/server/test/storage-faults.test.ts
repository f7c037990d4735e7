// Faults of the server's own storage and database (SPEC §3 "OpenAPI and errors", `/healthz`),
// made real: the storage on a full tmpfs (size=8m), the SQLite database locked by another
// process holding a write transaction, and the database file on a read-only mount. Each answers
// its envelope (507 INSUFFICIENT_STORAGE; 503 UNAVAILABLE with Retry-After, within a second when
// locked), keeps the previous bytes and leaves no partial file; `/healthz` says 503 with the
// reason during the fault and 200 once it is gone. The full-storage answer reaches curl while
// its 32 MiB body is still being sent. Needs root (mount).
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { openMetadata } from '../src/metadata/open-metadata.js';
import { READINESS_INTERVAL_MS } from '../src/services/readiness.js';
import { createWithBytes, putBytes, storageFiles } from './helpers/image-helpers.js';
import { listen } from './helpers/listen.js';
import { randomFile } from './helpers/test-files.js';
import { createTestApp, errorOf, TEST_DN_HEADER, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const V1 = 'bob v1 bytes';
const isRoot = process.getuid?.() === 0;

async function rawBytes(t: TestApp): Promise<string> {
  const response = await t.request('GET', '/api/images/raw/bob/fault.img', { dn: BOB });
  assert.equal(response.statusCode, 200, response.body);
  return response.body;
}

async function healthz(t: TestApp): Promise<{ status: number; message: string; retryAfter: unknown }> {
  const response = await t.request('GET', '/healthz');
  return { status: response.statusCode, message: response.statusCode === 200 ? '' : errorOf(response).message, retryAfter: response.headers['retry-after'] };
}

/** Fills the file system of `path` until not even one byte more fits. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const size of [1024 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}

describe('storage full', { skip: !isRoot && 'needs root to mount a tmpfs' }, () => {
  let t: TestApp;
  let dir: string;
  let mount: string;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repoman-full-'));
    mount = join(dir, 'store');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]);
    t = await createTestApp({ env: { REPOMAN_STORAGE_PATH: join(mount, 'images') } });
    await t.addUser('bob', BOB);
    await createWithBytes(t, BOB, 'bob', 'fault.img', V1);
    ({ base } = await listen(t));
    await randomFile(join(dir, 'big.img'), 32 * 1024 * 1024);
  });
  after(async () => {
    await t.close();
    execFileSync('umount', [mount]);
    await rm(dir, { recursive: true, force: true });
  });

  test('an upload answers 507 with its envelope, even to curl still sending; the previous bytes stay, no partial file', async () => {
    const before = await storageFiles(t);
    fill(join(mount, 'filler'));
    const response = await putBytes(t, BOB, '/api/images/raw/bob/fault.img', Buffer.alloc(2 * 1024 * 1024, 7));
    assert.equal(response.statusCode, 507, response.body);
    assert.equal(errorOf(response).code, 'INSUFFICIENT_STORAGE');
    for (let run = 0; run < 6; run += 1) {
      const { stdout } = await promisify(execFile)('curl', [
        '-sS', '-D', '-', '-T', join(dir, 'big.img'), '-H', `${TEST_DN_HEADER}: ${encodeURIComponent(BOB)}`,
        `${base}/api/images/raw/bob/fault.img`,
      ], { encoding: 'latin1', timeout: 60_000 }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
      assert.match(stdout, /^HTTP\/1\.1 507 /m, `run ${run}: ${stdout.slice(0, 300)}`);
      assert.match(stdout, /"code":"INSUFFICIENT_STORAGE"/);
    }
    assert.equal(await rawBytes(t), V1);
    assert.deepEqual(await storageFiles(t), before);
  });

  test('a client that writes its whole body before reading still gets the 507 (the connection lingers, no reset)', async () => {
    const { port } = new URL(base);
    for (let run = 0; run < 3; run += 1) {
      const socket = connect({ host: '127.0.0.1', port: Number(port) });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const received: Buffer[] = [];
      let failure: Error | undefined;
      socket.on('error', (error) => (failure = error));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const body = Buffer.alloc(24 * 1024 * 1024, 3);
      socket.write(`PUT /api/images/raw/bob/fault.img HTTP/1.1\r\nHost: x\r\n${TEST_DN_HEADER}: ${encodeURIComponent(BOB)}\r\nContent-Length: ${body.length}\r\n\r\n`);
      // Writes everything, reading nothing until the body is out (as simple clients do).
      socket.pause();
      await new Promise<void>((resolve) => socket.write(body, () => resolve()));
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.resume();
      await closed;
      const text = Buffer.concat(received).toString('latin1');
      assert.match(text, /^HTTP\/1\.1 507 /, `run ${run}: ${failure?.message ?? ''} ${text.slice(0, 200)}`);
    }
  });

  test('/healthz is 503 with the reason while the storage is full, 200 once space is back', async () => {
    await sleep(READINESS_INTERVAL_MS);
    const full = await healthz(t);
    assert.equal(full.status, 503);
    assert.match(full.message, /storage cannot be written: ENOSPC/);
    assert.ok(full.retryAfter !== undefined);
    await rm(join(mount, 'filler'));
    await sleep(READINESS_INTERVAL_MS);
    assert.equal((await healthz(t)).status, 200);
    const response = await putBytes(t, BOB, '/api/images/raw/bob/fault.img', 'bob v2');
    assert.equal(response.statusCode, 200, response.body);
  });
});

describe('database locked by another process', () => {
  let t: TestApp;
  let holder: ReturnType<typeof spawn> | undefined;

  before(async () => {
    t = await createTestApp();
    await t.addUser('bob', BOB);
    await createWithBytes(t, BOB, 'bob', 'fault.img', V1);
  });
  after(async () => {
    holder?.kill();
    await t.close();
  });

  /** Another process opens the database and holds a write transaction until killed. */
  async function lock(): Promise<void> {
    const path = t.config.database.url.slice('sqlite:'.length);
    const script = "const D = require('better-sqlite3'); const d = new D(process.argv[1]); d.exec('begin immediate'); console.log('locked'); setInterval(() => {}, 1000);";
    holder = spawn(process.execPath, ['-e', script, path], { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder?.stdout?.once('data', () => resolve());
      holder?.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
    });
  }

  test('an upload and a metadata change answer 503 with Retry-After within a second; reads and the previous bytes stay', async () => {
    await lock();
    const started = Date.now();
    const response = await putBytes(t, BOB, '/api/images/raw/bob/fault.img', 'bob v2');
    const elapsed = Date.now() - started;
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(errorOf(response).code, 'UNAVAILABLE');
    assert.ok(Number(response.headers['retry-after']) > 0);
    assert.ok(elapsed < 1500, `503 after ${elapsed} ms`);
    const patch = await t.request('PATCH', '/api/images/bob/fault.img', { dn: BOB, json: { description: 'x' } });
    assert.equal(patch.statusCode, 503, patch.body);
    assert.equal(await rawBytes(t), V1);
    // Only the committed blob of the refused upload may be left for the sweeper, no temporary file.
    assert.ok((await storageFiles(t)).every((file) => file.startsWith('blobs/')));
    console.log(`503 when locked after ${elapsed} ms`);
  });

  test('/healthz is 503 with the reason while locked, 200 once the lock is gone', async () => {
    await sleep(READINESS_INTERVAL_MS);
    const locked = await healthz(t);
    assert.equal(locked.status, 503);
    assert.match(locked.message, /database cannot be written: SQLITE_BUSY/);
    holder?.kill();
    await new Promise((resolve) => holder?.once('exit', resolve));
    holder = undefined;
    await sleep(READINESS_INTERVAL_MS);
    assert.equal((await healthz(t)).status, 200);
    assert.equal((await putBytes(t, BOB, '/api/images/raw/bob/fault.img', 'bob v2')).statusCode, 200);
  });
});

describe('database on a read-only file system', { skip: !isRoot && 'needs root to mount' }, () => {
  let t: TestApp;
  let dir: string;
  let readOnly: string;
  let appMetadata: ReturnType<typeof openMetadata> | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repoman-ro-'));
    const writable = join(dir, 'db');
    readOnly = join(dir, 'ro');
    mkdirSync(writable);
    mkdirSync(readOnly);
    t = await createTestApp({
      env: { REPOMAN_DATABASE_URL: `sqlite:${writable}/repoman.db` },
      // The app sees the same database file through a read-only bind mount (the test app's own
      // writable connection stays open, as a second process would).
      wrapMetadata: () => {
        execFileSync('mount', ['--bind', writable, readOnly]);
        execFileSync('mount', ['-o', 'remount,bind,ro', readOnly]);
        appMetadata = openMetadata(`sqlite:${readOnly}/repoman.db`);
        return appMetadata;
      },
    });
    await t.addUser('bob', BOB);
    // Seeded through the writable connection: the app cannot write.
    const bob = await t.metadata.users.findByName('bob');
    assert.ok(bob);
    const image = await t.metadata.images.create({ ownerId: bob.id, name: 'fault.img' });
    const upload = await t.blobs.createUpload();
    const { Readable } = await import('node:stream');
    await upload.write(Readable.from([Buffer.from(V1)]));
    assert.ok(await t.metadata.images.recordUpload(image.id, await upload.commit()));
  });
  after(async () => {
    await t.close();
    await appMetadata?.close();
    // Lazy: a connection kysely never used is not closed by destroy().
    execFileSync('umount', ['-l', readOnly]);
    await rm(dir, { recursive: true, force: true });
  });

  test('an upload answers 503 with Retry-After, the previous bytes stay; /healthz is 503 with the reason', async () => {
    const response = await putBytes(t, BOB, '/api/images/raw/bob/fault.img', 'bob v2');
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(errorOf(response).code, 'UNAVAILABLE');
    assert.ok(Number(response.headers['retry-after']) > 0);
    assert.equal(await rawBytes(t), V1);
    const health = await healthz(t);
    assert.equal(health.status, 503);
    assert.match(health.message, /database cannot be written: SQLITE_READONLY/);
  });
});
