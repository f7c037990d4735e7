// The parts of the fast transfer path, each on its own: tlsGet (a GET over TLS with the body
// read into one reused buffer) frames bodies by Content-Length, chunked encoding and the end
// of the connection, pauses and resumes, reports a cut body as ECONNRESET and a bad
// certificate as a TLS error; BackgroundSha256 (hashing on a worker thread) agrees with
// node:crypto for shared-memory updates and files; SharedBatches writes and hashes batches in
// order whatever the speed of the destination, and counts only what was written and hashed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { makeGridSite, type GridSite } from '../../server/test/helpers/grid-site.js';
import { BackgroundSha256 } from '@repoman/bytes';
import { SharedBatches } from '../src/transfer/shared-batches.js';
import { tlsGet, type ResponseHead } from '../src/transport/tls-get.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('fast transfer parts', () => {
  let site: GridSite;
  let https: Server;
  let raw: TlsServer;
  let ca: string;
  const body = randomBytes(3 * 1024 * 1024 + 77);

  const listen = async (server: Server | TlsServer): Promise<number> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  let httpsPort = 0;
  let rawPort = 0;

  before(async () => {
    site = await makeGridSite();
    const tls = { cert: await readFile(site.hostCert), key: await readFile(site.hostKey) };
    const caFile = (await readdir(site.caDir)).find((name) => name.endsWith('.0')) ?? '';
    ca = await readFile(join(site.caDir, caFile), 'utf8');
    https = createHttpsServer(tls, (req, res) => {
      if (req.url === '/sized') res.writeHead(200, { 'content-length': body.length, etag: '"x"' }).end(body);
      else if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let i = 0; i < body.length; i += 100_000) res.write(body.subarray(i, i + 100_000));
        res.end();
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000), () => setTimeout(() => req.socket.destroy(), 20));
      } else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"no"}}');
    });
    // A server that ends its body by closing the connection, its head split in two writes.
    raw = createTlsServer(tls, (socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nX-Split: ');
        setTimeout(() => socket.end(Buffer.concat([Buffer.from('yes\r\nConnection: close\r\n\r\n'), body])), 20);
      });
    });
    httpsPort = await listen(https);
    rawPort = await listen(raw);
  });
  after(async () => {
    https?.closeAllConnections();
    await new Promise((resolve) => https?.close(resolve));
    await new Promise((resolve) => raw?.close(resolve));
    await site?.cleanup();
  });

  const get = async (url: string, pauseEvery = 0): Promise<{ head: ResponseHead | undefined; bytes: Buffer }> => {
    const chunks: Buffer[] = [];
    let head: ResponseHead | undefined;
    let pieces = 0;
    const request = tlsGet({ url: new URL(url), headers: { 'user-agent': 'test' }, tls: { ca }, idleTimeoutMs: 10_000 }, {
      onHead: (h) => (head = h),
      onBody: (bytes) => {
        chunks.push(Buffer.from(bytes));
        pieces += 1;
        if (pauseEvery > 0 && pieces % pauseEvery === 0) {
          setTimeout(() => request.resume(), 2);
          return false;
        }
        return true;
      },
    });
    await request.done;
    return { head, bytes: Buffer.concat(chunks) };
  };

  it('tlsGet: a Content-Length body, also when paused now and then', async () => {
    const { head, bytes } = await get(`https://localhost:${httpsPort}/sized`, 10);
    assert.equal(head?.status, 200);
    assert.equal(head?.headers.etag, '"x"');
    assert.ok(bytes.equals(body));
  });

  it('tlsGet: a chunked body, and a body ended by the connection with its head split across reads', async () => {
    assert.ok((await get(`https://localhost:${httpsPort}/chunked`)).bytes.equals(body));
    const split = await get(`https://localhost:${rawPort}/`);
    assert.equal(split.head?.headers['x-split'], 'yes');
    assert.ok(split.bytes.equals(body));
  });

  it('tlsGet: an error answer, a cut body (ECONNRESET) and an untrusted server', async () => {
    const missing = await get(`https://localhost:${httpsPort}/nope`);
    assert.equal(missing.head?.status, 404);
    assert.match(missing.bytes.toString(), /NOT_FOUND/);
    await assert.rejects(get(`https://localhost:${httpsPort}/cut`), { code: 'ECONNRESET' });
    const untrusted = tlsGet({ url: new URL(`https://localhost:${httpsPort}/sized`), headers: {}, tls: {}, idleTimeoutMs: 5000 }, {
      onHead: () => assert.fail('no head expected'), onBody: () => true,
    });
    await assert.rejects(untrusted.done, (error: NodeJS.ErrnoException) => /CERT|SIGNATURE|ISSUER|SELF_SIGNED/.test(error.code ?? ''));
  });

  it('BackgroundSha256 agrees with node:crypto, for shared-memory updates and for files', async () => {
    const hasher = new BackgroundSha256();
    try {
      const shared = new SharedArrayBuffer(body.length);
      Buffer.from(shared).set(body);
      await hasher.update(shared, 0, 1000);
      await hasher.update(shared, 1000, body.length - 1000);
      assert.equal(await hasher.digest(), sha256(body));
      const path = join(site.dir, 'hash-me');
      await writeFile(path, body);
      assert.equal(await hasher.updateFromFile(path, 5000), 5000);
      assert.equal(await hasher.digest(), sha256(body.subarray(0, 5000)));
      assert.equal(await hasher.updateFromFile(path, null), body.length);
      assert.equal(await hasher.digest(), sha256(body));
      await assert.rejects(hasher.updateFromFile(join(site.dir, 'missing'), null), /ENOENT/);
    } finally {
      await hasher.close();
    }
  });

  it('BackgroundSha256.close() holds the process until the thread stopped, even when a reply arrives meanwhile (10 times)', async () => {
    // The download path closes the hash while updates a failed write left behind are answered
    // (a full disk): that reply used to unref the thread and end the process with code 13.
    // A process of its own, where nothing else keeps the event loop alive.
    const script = join(site.dir, 'close-while-replying.mts');
    await writeFile(script, [
      `import { BackgroundSha256 } from ${JSON.stringify(fileURLToPath(new URL('../../bytes/src/background-sha256.ts', import.meta.url)))};`,
      'for (let round = 0; round < 10; round += 1) {',
      '  const hasher = new BackgroundSha256();',
      '  await hasher.update(new SharedArrayBuffer(16), 0, 16);',
      '  const pending = hasher.update(new SharedArrayBuffer(1024), 0, 1024).catch(() => undefined);',
      '  const until = Date.now() + 30;',
      '  while (Date.now() < until); // the reply now waits in the port',
      '  await hasher.close();',
      '  await pending;',
      '}',
      "process.stdout.write('closed 10 times');",
    ].join('\n'));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.status, 0, `exit ${child.status}: ${child.stderr}`);
    assert.equal(child.stdout, 'closed 10 times');
  });

  it('SharedBatches: writes and hashes in order with a slow destination, pausing the source, and counts what landed', async () => {
    const hasher = new BackgroundSha256();
    try {
      const written: Buffer[] = [];
      let counted = 0;
      let paused = 0;
      const batches = new SharedBatches(async (bytes) => {
        await sleep(3);
        written.push(Buffer.from(bytes));
      }, hasher, (bytes) => (counted += bytes), 64 * 1024);
      let resumed = 0;
      batches.onFree = () => (resumed += 1);
      for (let i = 0; i < body.length; i += 16 * 1024) if (!batches.push(body.subarray(i, i + 16 * 1024))) paused += 1;
      await batches.finish();
      assert.ok(Buffer.concat(written).equals(body), 'every byte, in order');
      assert.equal(counted, body.length);
      assert.ok(paused > 0 && resumed > 0, 'the source was asked to pause, then to resume');
      assert.equal(await hasher.digest(), sha256(body));
    } finally {
      await hasher.close();
    }
  });

  it('SharedBatches: a failing write stops it; finish rejects with that error', async () => {
    const hasher = new BackgroundSha256();
    try {
      let counted = 0;
      const batches = new SharedBatches(async () => {
        throw new Error('disk full');
      }, hasher, (bytes) => (counted += bytes), 64 * 1024);
      for (let i = 0; i < 300 * 1024; i += 16 * 1024) batches.push(body.subarray(i, i + 16 * 1024));
      await assert.rejects(batches.finish(), /disk full/);
      assert.equal(counted, 0);
    } finally {
      await hasher.close();
    }
  });
});
