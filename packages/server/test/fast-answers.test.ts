// The fast path in front of fastify (http/fast-answers.ts), in process over real sockets: the
// app built as the TLS listener builds it (a serverFactory, one identity per connection; plain
// HTTP here, the real TLS is e2e/answer-cache.test.ts), with a hook that counts the requests
// fastify itself sees. A connection's first request goes to fastify, its repeats do not; once
// the answer has expired, many connections asking for it at once cause one full request, not
// one each; with `answer_cache = false` every request reaches fastify.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ANSWER_CACHE_MS, buildApp } from '../src/http/build-app.js';
import { loadConfig } from '../src/config/load-config.js';
import { openMetadata } from '../src/metadata/open-metadata.js';
import { ensureAdmin } from '../src/services/admin-bootstrap.js';
import { createBlobStore } from '../src/storage/index.js';
import { ADMIN_DN } from './helpers/test-app.js';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function startApp(env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'repoman-fast-answers-'));
  const config = loadConfig({ env, cwd: dir });
  const metadata = openMetadata(config.database.url);
  await metadata.migrate();
  await ensureAdmin(metadata, 'admin', ADMIN_DN);
  const app = buildApp({
    config, metadata, blobs: await createBlobStore(config.storage), logDestination: { write: () => true },
    identify: async () => ({ dn: ADMIN_DN, limited: false, fqans: [] }),
    serverFactory: (handler) => createServer(handler),
  });
  let seen = 0;
  app.addHook('onRequest', async () => {
    seen += 1;
    // Slow enough that requests arriving together overlap with it.
    await sleep(100);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    base,
    seen: () => seen,
    close: async () => {
      await app.close();
      await metadata.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function get(base: string, agent: Agent, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { agent }, (answer) => {
      let body = '';
      answer.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).once('end', () => resolve({ status: answer.statusCode ?? 0, body }));
    }).once('error', reject).end();
  });
}

test('repeats on a connection do not reach fastify; an expired answer asked for by 16 connections at once is computed once', async () => {
  const app = await startApp({});
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  try {
    const first = await get(app.base, agent, '/api/whoami');
    assert.equal(first.status, 200, first.body);
    assert.equal(app.seen(), 1);
    for (let i = 0; i < 5; i += 1) assert.equal((await get(app.base, agent, '/api/whoami')).body, first.body);
    assert.equal(app.seen(), 1, 'answered before fastify');

    // 16 connections, each one's first request through fastify (its identity is not known yet).
    const warm = await Promise.all(Array.from({ length: 16 }, () => get(app.base, agent, '/api/whoami')));
    assert.ok(warm.every((answer) => answer.body === first.body));
    const afterWarm = app.seen();
    assert.ok(afterWarm > 1 && afterWarm <= 17);

    await sleep(ANSWER_CACHE_MS + 100);
    const burst = await Promise.all(Array.from({ length: 16 }, () => get(app.base, agent, '/api/whoami')));
    assert.ok(burst.every((answer) => answer.status === 200 && answer.body === first.body));
    assert.equal(app.seen() - afterWarm, 1, 'one full request for the 16');
  } finally {
    agent.destroy();
    await app.close();
  }
});

test('answer_cache = false: every request reaches fastify', async () => {
  const app = await startApp({ REPOMAN_SERVER_ANSWER_CACHE: 'false' });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 3; i += 1) assert.equal((await get(app.base, agent, '/api/whoami')).status, 200);
    assert.equal(app.seen(), 3);
  } finally {
    agent.destroy();
    await app.close();
  }
});
