/**
 * Bad input to the image routes never changes anything: names outside SPEC's patterns (path
 * tricks, NUL, 300 characters), unknown and mistyped fields, oversized or malformed metadata,
 * malformed JSON, bad digest headers and wrong verbs each answer their documented 4xx with the
 * error envelope, and both the database and the blob store are exactly as before.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createImage, createWithBytes, storageFiles } from './helpers/image-helpers.js';
import { createTestApp, dumpDatabase, errorOf, type RequestOptions, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
let t: TestApp;

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await t.addUser('pam', '/O=Grid/CN=Pam');
  await createWithBytes(t, BOB, 'bob', 'good.img', 'good bytes');
  await createImage(t, BOB, 'empty.img');
});
after(() => t.close());

async function expectRefused(method: string, url: string, options: RequestOptions, status: number, code: string): Promise<string> {
  const database = await dumpDatabase(t.metadata);
  const files = await storageFiles(t);
  const response = await t.request(method, url, { dn: BOB, ...options });
  assert.equal(response.statusCode, status, `${method} ${url} ${JSON.stringify(options).slice(0, 200)}: ${response.body}`);
  assert.equal(errorOf(response).code, code, `${method} ${url}`);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(await dumpDatabase(t.metadata), database, `${method} ${url} changed the database`);
  assert.deepEqual(await storageFiles(t), files, `${method} ${url} changed the blob store`);
  return errorOf(response).message;
}

const BAD_IMAGE_NAMES = ['..', '.', 'a/b', '../etc/passwd', 'nul\u0000name', 'x'.repeat(300), 'x'.repeat(256), '-dash', '.hidden', '', ' space', 'tab\tname', 'ü.img'];

test('invalid image names in a body (create, rename, clone) are 400 INVALID_NAME', async () => {
  for (const name of BAD_IMAGE_NAMES) {
    await expectRefused('POST', '/api/images', { json: { name } }, 400, 'INVALID_NAME');
    await expectRefused('PATCH', '/api/images/good.img', { json: { name } }, 400, 'INVALID_NAME');
    await expectRefused('POST', '/api/images/good.img/clone', { json: { name } }, 400, 'INVALID_NAME');
  }
});

test('a 255-character name is valid, 256 is not', async () => {
  const longest = `a${'b'.repeat(254)}`;
  assert.equal((await t.request('POST', '/api/images', { dn: BOB, json: { name: longest } })).statusCode, 201);
  assert.equal((await t.request('DELETE', `/api/images/${longest}`, { dn: BOB })).statusCode, 204);
});

test('invalid image or user names in the URL are 400 INVALID_NAME on every image route', async () => {
  // `..` and `%2E%2E` are resolved by the URL parser of inject (as by most clients); the e2e tests send them as is.
  for (const name of ['a%2Fb', '..a', 'nul%00', 'x'.repeat(300), '-dash', '%20space']) {
    await expectRefused('GET', `/api/images/${name}`, {}, 400, 'INVALID_NAME');
    await expectRefused('GET', `/api/images/bob/${name}`, {}, 400, 'INVALID_NAME');
    await expectRefused('PATCH', `/api/images/${name}`, { json: { description: 'x' } }, 400, 'INVALID_NAME');
    await expectRefused('DELETE', `/api/images/bob/${name}`, {}, 400, 'INVALID_NAME');
    await expectRefused('PUT', `/api/images/raw/bob/${name}`, { payload: 'bytes' }, 400, 'INVALID_NAME');
    await expectRefused('GET', `/api/images/raw/${name}`, {}, 400, 'INVALID_NAME');
    await expectRefused('PUT', `/api/images/${name}/share/user/pam`, {}, 400, 'INVALID_NAME');
    await expectRefused('POST', `/api/images/${name}/clone`, { json: { name: 'copy.img' } }, 400, 'INVALID_NAME');
  }
  for (const user of ['Bob', 'raw', 'api', 'a.b', '-x', 'x'.repeat(65)]) {
    const url = user === 'raw' ? '/api/images/raw/raw/good.img' : `/api/images/${user}/good.img`;
    await expectRefused('GET', url, {}, 400, 'INVALID_NAME');
    await expectRefused('PUT', `/api/images/good.img/share/user/${user}`, {}, 400, 'INVALID_NAME');
    await expectRefused('PUT', `/api/images/good.img/share/group/${user}`, {}, 400, 'INVALID_NAME');
  }
});

test('unknown fields are 400 UNKNOWN_FIELD naming them', async () => {
  let message = await expectRefused('POST', '/api/images', { json: { name: 'n.img', size: 5, checksum: 'abc' } }, 400, 'UNKNOWN_FIELD');
  assert.match(message, /"size"/);
  assert.match(message, /"checksum"/);
  message = await expectRefused('PATCH', '/api/images/good.img', { json: { version: 7, status: 'ready', uuid: 'x' } }, 400, 'UNKNOWN_FIELD');
  assert.match(message, /"version".*"status".*"uuid"/);
  await expectRefused('POST', '/api/images/good.img/clone', { json: { name: 'c.img', owner: 'pam' } }, 400, 'UNKNOWN_FIELD');
  await expectRefused('POST', '/api/images', { payload: '{"name":"p.img","__proto__":{"read_only":true}}', headers: { 'content-type': 'application/json' } }, 400, 'UNKNOWN_FIELD');
});

test('fields of the wrong type are 400 MALFORMED_BODY naming each of them', async () => {
  const message = await expectRefused('POST', '/api/images', { json: { name: 'n.img', description: 5, read_only: 'yes', unauthenticated_access: null } }, 400, 'MALFORMED_BODY');
  for (const field of ['description', 'read_only', 'unauthenticated_access']) assert.match(message, new RegExp(field));
  await expectRefused('POST', '/api/images', { json: { description: 'no name' } }, 400, 'MALFORMED_BODY');
  await expectRefused('POST', '/api/images', { json: { name: ['a.img'] } }, 400, 'MALFORMED_BODY');
  await expectRefused('PATCH', '/api/images/good.img', { json: { expires: 20300101 } }, 400, 'MALFORMED_BODY');
  await expectRefused('PATCH', '/api/images/good.img', { form: { read_only: 'perhaps' } }, 400, 'MALFORMED_BODY');
  await expectRefused('POST', '/api/images/good.img/clone', {}, 400, 'MALFORMED_BODY');
});

test('oversized or control-character metadata and a bad expires are 400 BAD_REQUEST; a body over 64 KiB is 413', async () => {
  await expectRefused('POST', '/api/images', { json: { name: 'n.img', description: 'd'.repeat(4097) } }, 400, 'BAD_REQUEST');
  await expectRefused('PATCH', '/api/images/good.img', { json: { os_arch: 'x'.repeat(129) } }, 400, 'BAD_REQUEST');
  await expectRefused('PATCH', '/api/images/good.img', { json: { hypervisor: 'kvm\u0000' } }, 400, 'BAD_REQUEST');
  for (const expires of ['tomorrow', '2030-13-01', '2030-02-30', '01/02/2030', '2030-01-01T25:00:00Z']) {
    const message = await expectRefused('PATCH', '/api/images/good.img', { json: { expires } }, 400, 'BAD_REQUEST');
    assert.match(message, /ISO 8601/);
  }
  await expectRefused('POST', '/api/images', { json: { name: 'n.img', description: 'd'.repeat(70 * 1024) } }, 413, 'PAYLOAD_TOO_LARGE');
  assert.equal((await t.request('PATCH', '/api/images/good.img', { dn: BOB, json: { description: 'line one\nline two\ttabbed' } })).statusCode, 200);
});

test('malformed JSON and a non-object body are 400 MALFORMED_BODY; another content type is 415', async () => {
  const json = { 'content-type': 'application/json' };
  await expectRefused('POST', '/api/images', { payload: '{"name": "x.img",', headers: json }, 400, 'MALFORMED_BODY');
  await expectRefused('PATCH', '/api/images/good.img', { payload: '[1]', headers: json }, 400, 'MALFORMED_BODY');
  await expectRefused('POST', '/api/images', { payload: '"x.img"', headers: json }, 400, 'MALFORMED_BODY');
  await expectRefused('POST', '/api/images', { payload: 'name=x.img', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
});

test('malformed digest headers on an upload are 400 before any byte is stored; disagreeing ones too', async () => {
  const malformed: Record<string, string>[] = [
    { 'x-checksum-sha256': 'abc' },
    { 'x-checksum-sha256': 'g'.repeat(64) },
    { 'repr-digest': 'sha-256=abc' },
    { 'repr-digest': 'sha-256=:AAAA:' },
    { 'repr-digest': 'garbage' },
    { 'repr-digest': `sha-256=:${Buffer.alloc(32).toString('base64')}:`, 'x-checksum-sha256': 'f'.repeat(64) },
  ];
  for (const headers of malformed) {
    await expectRefused('PUT', '/api/images/raw/good.img', { payload: 'new bytes', headers }, 400, 'BAD_REQUEST');
  }
});

test('wrong verbs are 405 METHOD_NOT_ALLOWED with Allow', async () => {
  for (const [method, url, allow] of [
    ['PUT', '/api/images', 'GET, HEAD, POST'],
    ['DELETE', '/api/images', 'GET, HEAD, POST'],
    ['PATCH', '/api/images/raw/good.img', 'GET, HEAD, PUT'],
    ['DELETE', '/api/images/raw/good.img', 'GET, HEAD, PUT'],
    ['POST', '/api/images/raw/bob/good.img', 'GET, HEAD, PUT'],
    ['DELETE', '/api/images/raw/bob/good.img', 'GET, HEAD, PUT'],
    ['GET', '/api/images/bob/good.img/clone', 'POST'],
    ['GET', '/api/images/good.img/share/user/pam', undefined],
  ] as const) {
    const database = await dumpDatabase(t.metadata);
    const response = await t.request(method, url, { dn: BOB });
    assert.equal(response.statusCode, 405, `${method} ${url}: ${response.body}`);
    assert.equal(errorOf(response).code, 'METHOD_NOT_ALLOWED');
    if (allow !== undefined) assert.equal(response.headers.allow, allow, `${method} ${url}`);
    assert.deepEqual(await dumpDatabase(t.metadata), database);
  }
  assert.equal((await t.request('GET', '/api/images/raw/good.img', { dn: BOB })).body, 'good bytes');
});
