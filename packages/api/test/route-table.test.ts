/**
 * The route table is the server's: every route (URL pattern and method) the server registers
 * is described, and every descriptor names a route the server registers. HEAD routes that
 * fastify adds by itself for GET routes are covered by their GET. Also: `findRoute` picks the
 * descriptor the server's router would (literal segments before parameters).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../server/src/config/load-config.js';
import { buildApp } from '../../server/src/http/build-app.js';
import { openMetadata } from '../../server/src/metadata/open-metadata.js';
import { createBlobStore } from '../../server/src/storage/index.js';
import { findRoute, ROUTES } from '../src/index.js';

test('the table describes exactly the routes the server registers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'repoman-api-routes-'));
  const config = loadConfig({ env: {}, cwd: dir });
  const metadata = openMetadata(config.database.url);
  const app = buildApp({ config, metadata, blobs: await createBlobStore(config.storage), logDestination: { write: () => true }, identify: async () => null });
  const registered = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registered.add(`${method} ${route.url}`);
  });
  try {
    await app.ready();
  } finally {
    await app.close();
    await metadata.close();
    await rm(dir, { recursive: true, force: true });
  }
  const described = new Set(ROUTES.flatMap((route) => route.methods.map((method) => `${method} ${route.url}`)));
  const undescribed = [...registered].filter((key) => {
    if (described.has(key)) return false;
    const [method, url] = key.split(' ');
    return !(method === 'HEAD' && described.has(`GET ${url}`));
  });
  assert.deepEqual(undescribed, [], 'routes the server registers but the table lacks');
  assert.deepEqual([...described].filter((key) => !registered.has(key)), [], 'descriptors of routes the server does not register');
  assert.ok(registered.size > 50, `only ${registered.size} routes seen: the onRoute hook missed the route files`);
});

test('findRoute prefers literal segments, as the router does', () => {
  assert.equal(findRoute('GET', '/api/images/raw/debian6.img.gz')?.id, 'downloadImage');
  assert.equal(findRoute('HEAD', '/api/images/raw/bob/rhel5.5.img')?.id, 'downloadImageOf');
  assert.equal(findRoute('PUT', '/api/images/raw/bob/rhel5.5.img?x=1')?.id, 'uploadImageOf');
  assert.equal(findRoute('GET', '/api/images/bob/rhel5.5.img')?.id, 'getImageOf');
  assert.equal(findRoute('POST', '/api/images/rhel5.5.img/clone')?.id, 'cloneImage');
  assert.equal(findRoute('POST', '/api/images/bob/rhel5.5.img')?.id, 'modifyImageOf');
  assert.equal(findRoute('HEAD', '/api/users/bob')?.id, 'getUser');
  assert.equal(findRoute('GET', '/api/nothing'), undefined);
  assert.equal(findRoute('DELETE', '/api/whoami'), undefined);
});
