/**
 * The error envelope for everything and the request log: unknown routes (404), unknown methods
 * (405 with Allow), unexpected exceptions (500 INTERNAL without internals, logged with the
 * stack), an unavailable database (503 on /healthz), and one JSON log line per request.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MetadataStores } from '../src/metadata/metadata-store.js';
import { MetadataUnavailable } from '../src/metadata/store-errors.js';
import { ADMIN_DN, createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test('an unknown path is 404 NOT_FOUND in the envelope', async () => {
  const response = await t.request('GET', '/api/nothing/here', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 404);
  assert.equal(errorOf(response).code, 'NOT_FOUND');
});

test('an unknown method on a known path is 405 METHOD_NOT_ALLOWED with Allow', async () => {
  const response = await t.request('DELETE', '/api/permissions', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 405);
  assert.equal(errorOf(response).code, 'METHOD_NOT_ALLOWED');
  assert.equal(response.headers.allow, 'GET, HEAD');
  const users = await t.request('PUT', '/api/users/bob', { dn: ADMIN_DN });
  assert.equal(users.statusCode, 405);
  assert.equal(users.headers.allow, 'DELETE, GET, HEAD, PATCH, POST');
});

test('a URL with broken percent-encoding is 400 BAD_REQUEST in the envelope', async () => {
  const response = await t.request('GET', '/api/users/%E0%A4%A', { dn: ADMIN_DN });
  assert.equal(response.statusCode, 400);
  assert.equal(errorOf(response).code, 'BAD_REQUEST');
});

test('an unexpected exception is 500 INTERNAL with no stack or internals in the body, and is logged', async () => {
  const secret = 'SQLITE_IOERR: disk I/O error at /very/secret/path';
  const failing = await createTestApp({
    wrapMetadata: (metadata: MetadataStores) => ({
      ...metadata,
      users: {
        ...metadata.users,
        list: async () => {
          throw new Error(secret);
        },
      },
    }),
  });
  try {
    const response = await failing.request('GET', '/api/users', { dn: ADMIN_DN });
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json(), { error: { code: 'INTERNAL', message: 'Internal server error.' } });
    assert.doesNotMatch(response.body, /secret|SQLITE|at |\.ts/);
    const logged = failing.logs.map((line) => JSON.parse(line)).find((entry) => entry.err);
    assert.ok(logged, 'the error is logged');
    assert.match(logged.err.stack, /very\/secret\/path/);
  } finally {
    await failing.close();
  }
});

test('a database lost mid-request is 503 UNAVAILABLE with Retry-After, not 500, and hides the connection details', async () => {
  const lost = await createTestApp({
    wrapMetadata: (metadata: MetadataStores) => ({
      ...metadata,
      users: {
        ...metadata.users,
        list: async () => {
          throw new MetadataUnavailable('cannot connect to the database postgres://repoman:***@db.internal/repoman: ECONNREFUSED');
        },
      },
    }),
  });
  try {
    const response = await lost.request('GET', '/api/users', { dn: ADMIN_DN });
    assert.equal(response.statusCode, 503);
    assert.equal(errorOf(response).code, 'UNAVAILABLE');
    assert.equal(response.headers['retry-after'], '5');
    assert.doesNotMatch(response.body, /db\.internal|ECONNREFUSED/);
  } finally {
    await lost.close();
  }
});

test('/healthz answers 503 UNAVAILABLE when the database does not answer', async () => {
  const broken = await createTestApp({
    wrapMetadata: (metadata) => ({ ...metadata, probeWrite: () => Promise.reject(new Error('database is locked')) }),
  });
  try {
    const response = await broken.request('GET', '/healthz');
    assert.equal(response.statusCode, 503);
    assert.equal(errorOf(response).code, 'UNAVAILABLE');
    assert.doesNotMatch(response.body, /locked/);
  } finally {
    await broken.close();
  }
});

test('each request writes one JSON log line with method, path, status, bytes, dn and duration', async () => {
  const before = t.logs.length;
  const response = await t.request('GET', '/api/whoami?verbose=1', { dn: ADMIN_DN });
  const lines = t.logs.slice(before).map((line) => JSON.parse(line));
  assert.equal(lines.length, 1);
  const [entry] = lines;
  assert.equal(entry.method, 'GET');
  assert.equal(entry.path, '/api/whoami');
  assert.equal(entry.status, 200);
  assert.equal(entry.bytes, Buffer.byteLength(response.body));
  assert.equal(entry.dn, ADMIN_DN);
  assert.equal(typeof entry.duration_ms, 'number');
  assert.match(entry.time, /Z$/);
});
