// GET /metrics: Prometheus text with request counts by route pattern (never by user or image
// name), durations and bytes; open to scrapers over HTTPS without a credential; refused on the
// plain-HTTP listener like everything but public images.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_DN, createTestApp, errorOf } from './helpers/test-app.js';

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
