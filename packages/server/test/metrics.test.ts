// GET /metrics: Prometheus text with request counts by route pattern (never by user or image
// name), durations and bytes; open to scrapers over HTTPS without a credential; refused on the
// plain-HTTP listener like everything but public images.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { test } from 'node:test';
import { seedImage } from './helpers/image-helpers.js';
import { waitFor } from './helpers/test-files.js';
import { ADMIN_DN, createTestApp, errorOf, TEST_DN_HEADER } from './helpers/test-app.js';

test('/metrics counts requests by method, route pattern and status, and bytes sent, in Prometheus text', async () => {
  const t = await createTestApp();
  try {
    assert.equal((await t.request('GET', '/api/users/admin', { dn: ADMIN_DN })).statusCode, 200);
    assert.equal((await t.request('GET', '/api/users/nobody-here', { dn: ADMIN_DN })).statusCode, 404);
    const response = await t.request('GET', '/metrics');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    assert.match(response.body, /^repoman_http_requests_total\{method="GET",route="\/api\/users\/:user",status="200"\} 1$/m);
    assert.match(response.body, /^repoman_http_requests_total\{method="GET",route="\/api\/users\/:user",status="404"\} 1$/m);
    assert.match(response.body, /^repoman_http_request_duration_seconds_count\{method="GET",route="\/api\/users\/:user"\} 2$/m);
    assert.match(response.body, /^repoman_http_sent_bytes_total\{route="\/api\/users\/:user"\} \d+$/m);
    assert.match(response.body, /^repoman_process_resident_memory_bytes \d+/m);
    assert.doesNotMatch(response.body, /nobody-here/, 'labels hold route patterns, not names');
  } finally {
    await t.close();
  }
});

test('/metrics is refused on the plain-HTTP listener with a pointer to HTTPS', async () => {
  const t = await createTestApp({ plainHttp: true });
  try {
    const response = await t.request('GET', '/metrics');
    assert.equal(response.statusCode, 403);
    assert.match(errorOf(response).message, /HTTPS/);
  } finally {
    await t.close();
  }
});

/** The in-flight gauge of the HTTPS listener, read by a scrape over the socket (which counts itself). */
async function inFlight(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const match = /^repoman_http_requests_in_flight\{listener="https"\} (-?\d+)$/m.exec(text);
  assert.ok(match, 'the in-flight gauge is exported');
  return Number(match[1]);
}

test('requests in flight stay exact over real sockets: 401s are counted in and out, aborted downloads leave', async () => {
  const t = await createTestApp();
  try {
    await seedImage(t, 'admin', 'big.img', Buffer.alloc(64 * 1024 * 1024, 7));
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    // Refused in the caller hook, before the old onRequest increment: the gauge went negative.
    for (let i = 0; i < 50; i++) assert.equal((await fetch(`${base}/api/whoami`)).status, 401);
    assert.equal(await inFlight(base), 1, 'only the scrape itself is in flight');

    // Downloads cut after their first bytes: fastify's onResponse never runs for them.
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((done, fail) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`GET /api/images/raw/admin/big.img HTTP/1.1\r\nHost: 127.0.0.1\r\n${TEST_DN_HEADER}: ${encodeURIComponent(ADMIN_DN)}\r\n\r\n`);
        });
        socket.once('data', () => socket.destroy());
        socket.once('close', () => done());
        socket.once('error', fail);
      });
    }
    await waitFor('the aborted downloads to leave the gauge', async () => (await inFlight(base)) === 1);
  } finally {
    await t.close();
  }
});
