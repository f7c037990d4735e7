/**
 * The contract check the test suites switch on (`REPOMAN_CONTRACT_CHECK=1`, `contractCheck`):
 * an answer outside its route's schema in `@repoman/api` — a body of the wrong shape, an
 * undocumented status, an error code the route does not answer — becomes a 500 and a log line
 * saying what differs; answers that fit pass untouched; without the option nothing is checked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fastify from 'fastify';
import { installConditionalRequests } from '../src/http/conditional-requests.js';
import { CONTRACT_VIOLATION_LOG, installContractCheck } from '../src/http/contract-check.js';
import { installErrorHandling } from '../src/http/error-handler.js';
import { installRouteSchemas } from '../src/http/route-schemas.js';
import { RouteTable } from '../src/http/route-table.js';
import { RepomanError } from '../src/services/repoman-error.js';
import { createTestApp } from './helpers/test-app.js';

async function appAnswering(answers: Record<string, () => unknown>, check = true) {
  const lines: string[] = [];
  const app = fastify({ logger: { stream: { write: (line: string) => lines.push(line) } } });
  installRouteSchemas(app);
  installErrorHandling(app, new RouteTable());
  // As buildApp does: conditional GETs promise an ETag and Cache-Control, which this hook adds.
  installConditionalRequests(app);
  if (check) installContractCheck(app);
  for (const [url, answer] of Object.entries(answers)) app.get(url, async () => answer());
  await app.ready();
  return { app, lines };
}

test('an answer outside its schema becomes a 500 and a log line naming the difference', async () => {
  const { app, lines } = await appAnswering({
    '/api/permissions': () => ['image_create', 'fly'],
    '/api/whoami': () => ({ user_name: 'bob' }),
    '/api/groups': () => {
      throw new RepomanError('IMAGE_READ_ONLY', 'not a code this route answers');
    },
  });
  for (const url of ['/api/permissions', '/api/whoami', '/api/groups']) {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 500, url);
    assert.equal(response.json<{ error: { code: string } }>().error.code, 'INTERNAL');
  }
  const violations = lines.filter((line) => line.includes(CONTRACT_VIOLATION_LOG));
  assert.equal(violations.length, 3, lines.join('\n'));
  assert.match(violations[0] ?? '', /\/0|\/1|enum/);
  assert.match(violations[2] ?? '', /not documented/);
  await app.close();
});

test('answers that fit pass untouched, and nothing is checked without the option', async () => {
  const checked = await appAnswering({ '/api/permissions': () => ['image_create'] });
  assert.equal((await checked.app.inject({ method: 'GET', url: '/api/permissions' })).statusCode, 200);
  assert.equal((await checked.app.inject({ method: 'GET', url: '/api/nothing' })).statusCode, 404);
  assert.deepEqual(checked.lines.filter((line) => line.includes(CONTRACT_VIOLATION_LOG)), []);
  await checked.app.close();
  const unchecked = await appAnswering({ '/api/whoami': () => ({ user_name: 'bob' }) }, false);
  assert.equal((await unchecked.app.inject({ method: 'GET', url: '/api/whoami' })).statusCode, 200);
  await unchecked.app.close();
});

test('the in-process test app checks its answers too', async () => {
  const t = await createTestApp();
  try {
    assert.equal((await t.request('GET', '/api/permissions', { dn: '/DC=org/DC=repoman-test/OU=People/CN=Ada Admin' })).statusCode, 200);
    assert.deepEqual(t.logs.filter((line) => line.includes(CONTRACT_VIOLATION_LOG)), []);
  } finally {
    await t.close();
  }
});
