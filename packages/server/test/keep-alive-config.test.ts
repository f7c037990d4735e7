// `[server] keep_alive_timeout` (issue 19 item 3) and `[server] hsts` (item 6): the idle
// keep-alive time of both listeners, 72 s by default as fastify's plain HTTP had, configurable
// and announced in `Keep-Alive: timeout=`; HSTS off unless set, never on the plain-HTTP
// listener. The real HTTPS socket staying open is measured in e2e/tls-hardening.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load-config.js';
import { createTestApp, ADMIN_DN, TEST_DN_HEADER } from './helpers/test-app.js';
import { listen } from './helpers/listen.js';

/** One GET over a real socket; the answer's headers. */
function headersOf(url: string, dn: string): Promise<Record<string, string | string[] | undefined>> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { [TEST_DN_HEADER]: encodeURIComponent(dn) } }, (answer) => {
      answer.resume().once('end', () => resolve(answer.headers));
    }).once('error', reject).end();
  });
}

test('keep_alive_timeout defaults to 72 s and headers must arrive within 60 s', async () => {
  const t = await createTestApp();
  try {
    assert.equal(t.config.server.keep_alive_timeout, 72_000);
    assert.equal(t.app.server.keepAliveTimeout, 72_000);
    assert.equal(t.app.server.headersTimeout, 60_000);
    assert.equal(t.app.server.requestTimeout, 0);
    const { base } = await listen(t);
    const headers = await headersOf(`${base}/api/whoami`, ADMIN_DN);
    assert.equal(headers['keep-alive'], 'timeout=72');
    assert.equal(headers['strict-transport-security'], undefined, 'HSTS is off by default');
  } finally {
    await t.close();
  }
});

test('keep_alive_timeout is configurable and announced; hsts sends max-age on HTTPS only', async () => {
  const env = { REPOMAN_SERVER_KEEP_ALIVE_TIMEOUT: '2m', REPOMAN_SERVER_HSTS: '600' };
  const https = await createTestApp({ env });
  const plain = await createTestApp({ env, plainHttp: true });
  try {
    const { base } = await listen(https);
    const headers = await headersOf(`${base}/api/whoami`, ADMIN_DN);
    assert.equal(headers['keep-alive'], 'timeout=120');
    assert.equal(headers['strict-transport-security'], 'max-age=600');
    const missing = await https.request('GET', '/api/nowhere');
    assert.equal(missing.headers['strict-transport-security'], 'max-age=600', 'error answers carry it too');
    const answer = await plain.request('GET', '/healthz');
    assert.equal(answer.headers['strict-transport-security'], undefined, 'never on plain HTTP');
  } finally {
    await https.close();
    await plain.close();
  }
});

test('a keep_alive_timeout or hsts that is not a duration or a number of seconds is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'repoman-keep-alive-config-'));
  try {
    assert.throws(() => loadConfig({ env: { REPOMAN_SERVER_KEEP_ALIVE_TIMEOUT: 'forever' }, cwd: dir }), /keep_alive_timeout/);
    assert.throws(() => loadConfig({ env: { REPOMAN_SERVER_HSTS: '-1' }, cwd: dir }), /hsts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
