/**
 * The OpenAPI document built from the route table: valid OpenAPI 3.1 (checked offline against
 * the official schema by @seriousme/openapi-schema-validator), one operation per route and
 * method with unique ids, every `$ref` resolving, bodies in JSON and form-encoded, errors
 * listing each route's codes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument, ROUTES, routeErrors, ERROR_STATUS } from '../src/index.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function problemsOf(document: Json): Promise<unknown> {
  const result = await new Validator().validate(document);
  return result.valid ? undefined : result.errors;
}

test('the document is valid OpenAPI 3.1', async () => {
  const document = openApiDocument({ serverUrl: 'https://repoman.example.org:8443', version: '1.2.3' });
  assert.equal(document.openapi, '3.1.0');
  assert.deepEqual(await problemsOf(document), undefined);
  assert.deepEqual(document.servers, [{ url: 'https://repoman.example.org:8443' }]);
  assert.equal((document.info as Json).version, '1.2.3');
});

test('the validator does refuse a broken document (so the test above can fail)', async () => {
  const document = openApiDocument() as Json;
  delete document.paths['/api/whoami'].get.responses['200'].description; // required by OpenAPI
  assert.notEqual(await problemsOf(document), undefined);
});

test('every route and method of the table is an operation, with a unique operationId', () => {
  const document = openApiDocument() as Json;
  const ids = new Set<string>();
  let operations = 0;
  for (const route of ROUTES) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    for (const method of route.methods) {
      const op = document.paths[path]?.[method.toLowerCase()];
      assert.ok(op, `${method} ${path} is missing`);
      assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is used twice`);
      ids.add(op.operationId);
      operations += 1;
      for (const name of Object.keys(route.params?.properties ?? {})) {
        assert.ok(op.parameters.some((p: Json) => p.in === 'path' && p.name === name), `${method} ${path}: parameter ${name}`);
      }
      for (const code of routeErrors(route)) {
        assert.match(op.responses[String(ERROR_STATUS[code])].description, new RegExp(`\\b${code}\\b`), `${method} ${path}: ${code}`);
      }
    }
  }
  const counted = Object.values(document.paths as Json).reduce((sum: number, item: Json) => sum + Object.keys(item).length, 0);
  assert.equal(counted, operations, 'the document has operations that are not in the table');
});

test('every $ref resolves to a component', () => {
  const document = openApiDocument() as Json;
  const text = JSON.stringify(document);
  const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1] as string);
  assert.ok(refs.includes('Image') && refs.includes('User') && refs.includes('Group') && refs.includes('Whoami'));
  for (const name of new Set(refs)) assert.ok(document.components.schemas[name], `components.schemas.${name}`);
});

test('bodies are described as JSON and as form-encoded text; uploads as bytes', () => {
  const document = openApiDocument() as Json;
  const create = document.paths['/api/users'].post.requestBody;
  assert.equal(create.required, true);
  assert.deepEqual(create.content['application/json'].schema.required, ['user_name', 'client_dn']);
  const form = create.content['application/x-www-form-urlencoded'].schema;
  assert.ok(form.properties.groups.anyOf.some((s: Json) => s.type === 'string'), 'a form list may be one comma-separated value');
  const modify = document.paths['/api/users/{user}'].patch.requestBody.content['application/x-www-form-urlencoded'].schema;
  assert.equal(modify.properties.suspended.type, 'string');
  const upload = document.paths['/api/images/raw/{owner}/{image}'].put.requestBody;
  assert.ok(upload.content['application/octet-stream']);
  assert.equal(document.paths['/api/images'].post.responses['201'].headers.Location !== undefined, true);
});

test('conditional routes document their validators, 304, 412 and precondition headers; 401 its challenge', () => {
  const document = openApiDocument() as Json;
  const getImage = document.paths['/api/images/{image}'].get;
  assert.ok(getImage.responses['200'].headers.ETag && getImage.responses['200'].headers['Cache-Control']);
  assert.ok(getImage.responses['304'], 'GET documents 304');
  assert.match(getImage.responses['412'].description, /PRECONDITION_FAILED/);
  assert.deepEqual(getImage.parameters.filter((p: Json) => p.in === 'header').map((p: Json) => p.name), ['If-None-Match', 'If-Match']);
  for (const [path, method] of [['/api/images/{owner}/{image}', 'patch'], ['/api/images/{image}', 'delete'], ['/api/users/{user}', 'patch'], ['/api/users/{user}', 'post'], ['/api/groups/{group}', 'delete']] as const) {
    const op = document.paths[path][method];
    assert.match(op.responses['412'].description, /PRECONDITION_FAILED/, `${method} ${path}`);
    assert.ok(op.parameters.some((p: Json) => p.in === 'header' && p.name === 'If-Match'), `${method} ${path}: If-Match`);
  }
  for (const [path, method] of [['/api/images', 'post'], ['/api/users', 'post'], ['/api/groups/{group}/users/{user}', 'put'], ['/healthz', 'get']] as const) {
    assert.equal(document.paths[path][method].responses['412'], undefined, `${method} ${path} is not conditional`);
  }
  assert.equal(document.paths['/api/openapi.json'].get.responses['412'], undefined, 'the document has its own public caching');
  assert.match(document.paths['/api/whoami'].get.responses['401'].headers['WWW-Authenticate'].description, /^Certificate realm="repoman"/);
});

test('every GET with a JSON answer is conditional unless it says otherwise, and so are the PATCH, PUT and DELETE of its URL', () => {
  const conditional = (id: string): boolean | undefined => ROUTES.find((route) => route.id === id)?.conditional;
  for (const id of ['whoami', 'listUsers', 'getUser', 'modifyUser', 'deleteUser', 'listGroups', 'getGroup', 'modifyGroup', 'deleteGroup', 'listImages', 'getImage', 'modifyImageOf', 'deleteImage', 'downloadImage', 'uploadImage']) {
    assert.equal(conditional(id), true, id);
  }
  for (const id of ['health', 'openapi', 'metrics', 'createUser', 'createImage', 'addMember', 'shareWithUser', 'cloneImage']) assert.equal(conditional(id), false, id);
});
