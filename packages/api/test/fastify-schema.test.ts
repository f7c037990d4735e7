/**
 * The route table drives fastify's request validation (as the server does): a fastify app
 * with the server's body parsers registers every route of `ROUTES` with `fastifySchema(route)`
 * and `requestValidatorCompiler`, and echoes what the handler receives. Valid JSON and form bodies, queries
 * and names pass (form lists and words arrive as the server's body reading expects them);
 * unknown fields, wrong types, invalid names and unknown permissions are refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fastify, { type FastifyInstance } from 'fastify';
import { installBodyParsers } from '../../server/src/http/body-parsers.js';
import { fastifySchema, requestValidatorCompiler, ROUTES } from '../src/index.js';

let app: FastifyInstance;

before(async () => {
  app = fastify();
  app.setValidatorCompiler(requestValidatorCompiler);
  installBodyParsers(app);
  for (const route of ROUTES) {
    app.route({
      method: [...route.methods],
      url: route.url,
      exposeHeadRoute: false,
      schema: fastifySchema(route),
      handler: async (request) => ({ params: request.params, query: request.query, body: request.body ?? null }),
    });
  }
  await app.ready();
});
after(async () => app.close());

async function send(method: string, url: string, body?: { json?: unknown; form?: string }) {
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (body?.json !== undefined) [headers['content-type'], payload] = ['application/json', JSON.stringify(body.json)];
  if (body?.form !== undefined) [headers['content-type'], payload] = ['application/x-www-form-urlencoded', body.form];
  const response = await app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload }) });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

test('valid JSON bodies pass as sent; unknown fields and wrong types are refused', async () => {
  const user = { user_name: 'bob', client_dn: '/CN=Bob', groups: ['atlas'] };
  assert.deepEqual(await send('POST', '/api/users', { json: user }), { status: 200, body: { params: {}, query: {}, body: user } });
  assert.equal((await send('POST', '/api/users', { json: { ...user, colour: 'red' } })).status, 400);
  assert.equal((await send('POST', '/api/users', { json: { user_name: 'bob' } })).status, 400);
  // JSON values are not coerced as query text is: a number is not a name.
  assert.equal((await send('POST', '/api/users', { json: { ...user, user_name: 5 } })).status, 400);
  assert.equal((await send('PATCH', '/api/users/bob', { json: { suspended: 1 } })).status, 400);
  assert.equal((await send('PATCH', '/api/users/bob', { json: { suspended: 'yes' } })).status, 400);
  assert.equal((await send('POST', '/api/images', { json: { name: 'a.img', description: 'x'.repeat(4097) } })).status, 400);
  assert.equal((await send('POST', '/api/groups', { json: { name: 'atlas', permissions: ['fly'] } })).status, 400);
});

test('form bodies arrive as text, as the server reads them: a comma list stays one value, words stay words', async () => {
  assert.deepEqual((await send('POST', '/api/users', { form: 'user_name=bob&client_dn=%2FCN%3DBob&groups=a,b' })).body.body, {
    user_name: 'bob',
    client_dn: '/CN=Bob',
    groups: 'a,b',
  });
  assert.deepEqual((await send('POST', '/api/groups', { form: 'name=atlas&users=bob&users=pam' })).body.body, { name: 'atlas', users: ['bob', 'pam'] });
  assert.deepEqual((await send('POST', '/api/users/bob', { form: 'suspended=Yes' })).body.body, { suspended: 'Yes' });
  assert.equal((await send('POST', '/api/users/bob', { form: 'suspended=perhaps' })).status, 400);
  assert.equal((await send('POST', '/api/users/bob', { form: 'colour=red' })).status, 400);
});

test('queries are coerced from text; unknown parameters and bad values are refused', async () => {
  assert.deepEqual((await send('GET', '/api/images?shared=yes&limit=10&owner=bob')).body.query, { shared: 'yes', limit: 10, owner: 'bob' });
  assert.deepEqual((await send('GET', '/api/images?shared=true')).body.query, { shared: true });
  for (const query of ['limit=x', 'limit=0', 'offset=-1', 'colour=red', 'shared=perhaps', 'owner=Bad%20Name']) {
    assert.equal((await send('GET', `/api/images?${query}`)).status, 400, query);
  }
});

test('names and permissions in the URL are checked; routes without a body take none', async () => {
  assert.equal((await send('GET', '/api/users/bob')).status, 200);
  assert.equal((await send('GET', '/api/users/Bob')).status, 400);
  assert.equal((await send('GET', '/api/users/raw')).status, 400);
  assert.equal((await send('GET', '/api/images/bob/rhel5.5.img')).status, 200);
  assert.equal((await send('GET', '/api/images/bob/..')).status, 400);
  assert.equal((await send('PUT', '/api/groups/atlas/permissions/image_create')).status, 200);
  assert.equal((await send('PUT', '/api/groups/atlas/permissions/fly')).status, 400);
  assert.equal((await send('PUT', '/api/groups/atlas/users/bob')).status, 200);
});

test('a modify without a body is accepted, as today (nothing to change)', async () => {
  assert.equal((await send('PATCH', '/api/users/bob')).status, 200);
  assert.equal((await send('POST', '/api/images/bob/rhel5.5.img', { json: {} })).status, 200);
});
