/**
 * `GET /api/openapi.json` serves the document `@repoman/api` builds from the route table the
 * server validates with: to anonymous callers too (also on plain HTTP), with the public URL as
 * its server, cacheable (ETag, Cache-Control, 304). And the table is the one source: a route
 * registered without a descriptor stops the app at start-up.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApiDocument } from '@repoman/api';
import fastify from 'fastify';
import { installRouteSchemas } from '../src/http/route-schemas.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await createTestApp({ env: { REPOMAN_SERVER_PUBLIC_URL: 'https://repo.example.org' } });
});
after(() => t.close());

test('the OpenAPI document is served to anyone, with the public URL, and is cacheable', async () => {
  const response = await t.request('GET', '/api/openapi.json');
  assert.equal(response.statusCode, 200, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  assert.deepEqual(response.json(), openApiDocument({ serverUrl: 'https://repo.example.org' }));
  assert.match(String(response.headers['cache-control']), /max-age=\d+/);
  const etag = String(response.headers.etag);
  assert.match(etag, /^"[0-9a-f]+"$/);
  const again = await t.request('GET', '/api/openapi.json', { headers: { 'if-none-match': etag } });
  assert.equal(again.statusCode, 304);
  assert.equal(again.body, '');
});

test('plain HTTP callers get it too', async () => {
  const plain = await createTestApp({ plainHttp: true });
  try {
    assert.equal((await plain.request('GET', '/api/openapi.json')).statusCode, 200);
  } finally {
    await plain.close();
  }
});

test('a route the table does not describe stops the app at start-up', async () => {
  const app = fastify();
  installRouteSchemas(app);
  assert.throws(() => app.get('/api/undescribed', async () => ({})), /GET \/api\/undescribed has no descriptor/);
  app.get('/api/whoami', async () => ({}));
  assert.equal(app.hasRoute({ method: 'GET', url: '/api/whoami' }), true);
  await app.close();
});
