/**
 * Serving the web UI (SPEC §4.1): `/` and the UI's pages answer index.html with `no-cache`
 * and an ETag (304 on revalidation), hashed assets are immutable for a year, unknown paths and
 * everything under `/api` keep their JSON 404 envelope, `/healthz` is unchanged, POST on a UI
 * path is not served a page, and a server without a built UI answers `/` with a 404 that says
 * how to build it. The files come from a temp directory shaped like Vite's output.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadWebFiles } from '../src/http/web-ui.js';
import { createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const INDEX = '<!doctype html><title>Repoman</title><div id="app"></div><script type="module" src="/assets/index-abc123.js"></script>';
let dir: string;
let t: TestApp;
let bare: TestApp;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repoman-web-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log("ui")');
  [t, bare] = await Promise.all([createTestApp({ webFiles: loadWebFiles(dir) }), createTestApp()]);
});
after(async () => {
  await t.close();
  await bare.close();
  await rm(dir, { recursive: true, force: true });
});

test('/ and every UI page answer index.html, revalidated by ETag', async () => {
  for (const path of ['/', '/images', '/images/bob/rhel5.5.img', '/groups/cms', '/me', '/users?x=1']) {
    const page = await t.request('GET', path);
    assert.equal(page.statusCode, 200, `${path}: ${page.body}`);
    assert.equal(page.body, INDEX);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  }
  const first = await t.request('GET', '/');
  const again = await t.request('GET', '/', { headers: { 'if-none-match': String(first.headers.etag) } });
  assert.equal(again.statusCode, 304);
  const head = await t.request('HEAD', '/images');
  assert.equal(head.statusCode, 200);
});

test('hashed assets are immutable; a missing asset is the JSON 404', async () => {
  const asset = await t.request('GET', '/assets/index-abc123.js');
  assert.equal(asset.statusCode, 200);
  assert.equal(asset.body, 'console.log("ui")');
  assert.match(String(asset.headers['content-type']), /^text\/javascript/);
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  const missing = await t.request('GET', '/assets/index-old.js');
  assert.equal(missing.statusCode, 404);
  assert.equal(errorOf(missing).code, 'NOT_FOUND');
});

test('the API, /healthz and unknown paths are unchanged', async () => {
  for (const path of ['/api/nothing', '/api/', '/elsewhere', '/index.htmlx']) {
    const answer = await t.request('GET', path);
    assert.equal(answer.statusCode, 404, `${path}: ${answer.body}`);
    assert.equal(errorOf(answer).code, 'NOT_FOUND');
  }
  assert.equal((await t.request('GET', '/healthz')).statusCode, 200);
  assert.equal((await t.request('GET', '/api/images')).statusCode, 200);
  const posted = await t.request('POST', '/images', { json: {} });
  assert.equal(posted.statusCode, 404, posted.body);
  assert.equal(errorOf(posted).code, 'NOT_FOUND');
});

test('without a built UI, / says how to build it and the API still answers', async () => {
  const root = await bare.request('GET', '/');
  assert.equal(root.statusCode, 404);
  assert.match(errorOf(root).message, /npm run build/);
  assert.equal((await bare.request('GET', '/healthz')).statusCode, 200);
  assert.equal(loadWebFiles(null).size, 0);
  assert.equal(loadWebFiles(join(dir, 'assets')).size, 0, 'a directory without index.html is no UI');
});
