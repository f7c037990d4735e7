/**
 * Resumable uploads from the web UI in a real browser (Debian's chromium through
 * playwright-core) against the real repoman-server over real TLS, logged in by the browser's
 * certificate: a 64 MiB file is uploaded through tus with the upload bandwidth throttled (CDP
 * `Network.emulateNetworkConditions`), the page is reloaded mid-way, the same file is chosen
 * again and the upload continues from the server's offset (no new upload is created; less than
 * 64 MiB is sent after the reload) to an image whose sha256 is the file's; pause, resume and
 * cancel work; an upload the owner's quota refuses shows the API's own message; a page of another
 * site cannot create or continue an upload (the cross-site guard).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { hasChromium, launchBrowser, screenshot, userContext } from '../helpers/browser.js';
import { curl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
/** In the page: the bytes its progress bar shows sent, and how many uploads it keeps for resuming. */
const PROGRESS = "Number(document.querySelector('progress')?.value)";
const STORED_UPLOADS = "Object.keys(localStorage).filter((key) => key.startsWith('tus::')).length";

/**
 * Waits until `expression` is true in the page, polled from here: the UI's CSP forbids the string
 * eval that waitForFunction uses, and the tests are type-checked without the DOM's types.
 */
async function until(page: Page, expression: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; (await page.evaluate(expression)) !== true; await page.waitForTimeout(100)) {
    if (Date.now() > deadline) throw new Error(`not true within 60 s: ${expression}`);
  }
}

const progressAbove = (page: Page, bytes: number) => until(page, `${PROGRESS} > ${bytes}`);

describe('resumable uploads from the web UI', { skip: !hasChromium() && 'chromium is missing (apt-get install chromium)' }, () => {
  let site: GridSite;
  let repo: Repository;
  let admin: GridUser;
  let carol: GridUser;
  let browser: Browser;
  let bigFile: string;
  let bigSha: string;
  const contexts: BrowserContext[] = [];

  const as = (user: GridUser, path: string, options: { method?: string; json?: unknown; args?: string[] } = {}) =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, credential: user.proxyPath, ...options });

  async function open(user: GridUser, path: string): Promise<Page> {
    const context = await userContext(browser, { origins: [repo.url], certPath: user.certPath, keyPath: user.keyPath });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => assert.fail(`a dialog opened: ${dialog.message()}`));
    await page.goto(repo.url + path);
    return page;
  }

  /** Limits what the page may send per second (-1: no limit); stays through reloads. */
  async function throttleUploads(cdp: CDPSession, bytesPerSecond: number): Promise<void> {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  }

  const record = (name: string) => as(admin, `/api/images/${name}`).json as { status: string; size: number | null; checksum: { value: string | null } };

  before(async () => {
    site = await makeGridSite();
    [admin, carol] = await Promise.all([site.user('admin'), site.user('carol')]);
    repo = await startRepository({ site, adminDns: [admin.dn] });
    assert.equal(as(admin, '/api/users', { method: 'POST', json: { user_name: 'carol', client_dn: carol.dn } }).status, 201);
    assert.equal(as(admin, '/api/users/carol', { method: 'PATCH', json: { quota_bytes: MiB } }).status, 200);
    for (const name of ['big.img', 'cancelled.img']) assert.equal(as(admin, '/api/images', { method: 'POST', json: { name } }).status, 201);
    assert.equal(as(carol, '/api/images', { method: 'POST', json: { name: 'carol.img' } }).status, 201);
    bigFile = join(site.dir, 'big.bin');
    const content = randomBytes(SIZE);
    bigSha = createHash('sha256').update(content).digest('hex');
    await writeFile(bigFile, content);
    browser = await launchBrowser();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('uploads 64 MiB with a reload in the middle and resumes from the server’s offset', async (t) => {
    const page = await open(admin, '/images/admin/big.img');
    await page.getByRole('heading', { name: 'big.img', level: 1 }).waitFor();
    const cdp = await page.context().newCDPSession(page);
    await throttleUploads(cdp, 8 * MiB);

    await page.getByLabel('Image file').setInputFiles(bigFile);
    const firstPatch = page.waitForResponse((response) => response.request().method() === 'PATCH' && response.status() === 204, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('button', { name: 'Pause the upload' }).waitFor();
    await firstPatch; // a whole chunk is on the server
    await progressAbove(page, 20 * MiB);
    await screenshot(page, 'image-upload-progress');
    assert.notEqual(record('big.img').status, 'ready', 'still under way when the page is reloaded');

    const afterReload: { method: string; url: string; offset: string | undefined }[] = [];
    await page.reload();
    page.on('request', (request) => afterReload.push({ method: request.method(), url: request.url(), offset: request.headers()['upload-offset'] }));
    const notice = page.locator('p.unfinished');
    await notice.waitFor();
    assert.match(await notice.innerText(), /^An upload of big\.bin stopped at \d+\.\d MiB of 64\.0 MiB: choose the same file again to resume it\./);
    await screenshot(page, 'image-upload-unfinished');

    await throttleUploads(cdp, -1);
    await page.getByLabel('Image file').setInputFiles(bigFile);
    await page.getByRole('button', { name: 'Resume upload' }).click();
    await page.getByRole('button', { name: 'Upload a new version' }).waitFor({ timeout: 120_000 });

    const uploads = afterReload.filter((request) => /\/api\/(images\/admin\/big\.img\/uploads|uploads\/)/.test(request.url));
    assert.equal(uploads.filter((request) => request.method === 'POST').length, 0, 'no new upload was created');
    const patches = uploads.filter((request) => request.method === 'PATCH');
    assert.ok(patches.length > 0);
    const resumedAt = Number(patches[0]?.offset);
    assert.ok(resumedAt >= 16 * MiB && resumedAt < SIZE, `resumed at ${resumedAt}`);
    const sentAfterReload = SIZE - resumedAt;
    assert.ok(sentAfterReload < SIZE, `${sentAfterReload} bytes sent after the reload`);
    t.diagnostic(`resumed at ${resumedAt / MiB} MiB: ${sentAfterReload / MiB} MiB sent after the reload`);

    const stored = record('big.img');
    assert.deepEqual([stored.status, stored.size, stored.checksum.value], ['ready', SIZE, bigSha]);
    assert.equal(await page.getByLabel('sha256 checksum', { exact: true }).innerText(), bigSha);
    assert.equal(as(admin, '/api/images/raw/big.img', { args: ['-o', join(site.dir, 'down.bin')] }).status, 200);
    assert.equal(createHash('sha256').update(await readFile(join(site.dir, 'down.bin'))).digest('hex'), bigSha);
    assert.equal(await page.evaluate(STORED_UPLOADS), 0, 'a finished upload is forgotten');
  });

  it('pauses, resumes and cancels an upload; leaving the page pauses it, and it can be discarded', async () => {
    const page = await open(admin, '/images/admin/cancelled.img');
    await page.getByRole('heading', { name: 'cancelled.img', level: 1 }).waitFor();
    const cdp = await page.context().newCDPSession(page);
    await throttleUploads(cdp, 8 * MiB);
    const requests: { method: string; url: string }[] = [];
    page.on('request', (request) => requests.push({ method: request.method(), url: request.url() }));

    await page.getByLabel('Image file').setInputFiles(bigFile);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await progressAbove(page, 4 * MiB);
    await page.getByRole('button', { name: 'Pause the upload' }).click();
    await page.getByText(/^Paused: /).waitFor();
    const pausedAt = Number(await page.evaluate(PROGRESS));
    const patchesWhenPaused = requests.filter((request) => request.method === 'PATCH').length;
    await page.waitForTimeout(1500);
    assert.equal(requests.filter((request) => request.method === 'PATCH').length, patchesWhenPaused, 'nothing is sent while paused');

    await page.getByRole('button', { name: 'Resume the upload' }).click();
    await progressAbove(page, pausedAt);
    const uploadUrl = requests.find((request) => request.method === 'HEAD' && request.url.includes('/api/uploads/'))?.url;
    assert.ok(uploadUrl !== undefined, 'Resume asked the server where the upload stands');

    await page.getByRole('button', { name: 'Cancel the upload' }).click();
    await page.getByRole('button', { name: 'Pause the upload' }).waitFor({ state: 'detached' });
    await until(page, `${STORED_UPLOADS} === 0`);
    assert.equal(as(admin, new URL(uploadUrl).pathname, { args: ['-I', '-H', 'Tus-Resumable: 1.0.0'] }).status, 404, 'the upload and its bytes are gone');
    assert.equal(record('cancelled.img').status, 'empty');

    // Leaving the image's page pauses its upload; back there, it is offered for resuming, and
    // discarded from the notice it is gone from the server and the browser.
    await page.getByLabel('Image file').setInputFiles(bigFile);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await progressAbove(page, 4 * MiB);
    await page.getByRole('link', { name: 'Images', exact: true }).first().click();
    await page.getByRole('link', { name: 'cancelled.img' }).waitFor();
    const patchesWhenLeft = requests.filter((request) => request.method === 'PATCH').length;
    await page.waitForTimeout(2500); // a 16 MiB chunk takes 2 s at 8 MiB/s
    assert.equal(requests.filter((request) => request.method === 'PATCH').length, patchesWhenLeft, 'nothing is sent once the page is left');
    await page.getByRole('link', { name: 'cancelled.img' }).click();
    await page.getByRole('button', { name: 'Discard the unfinished upload of big.bin' }).click();
    await page.locator('p.unfinished').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(STORED_UPLOADS), 0);
    const ended = requests.filter((request) => request.method === 'DELETE' && request.url.includes('/api/uploads/')).map((request) => request.url);
    assert.equal(ended.length, 2, 'Cancel and Discard each ended their upload');
    assert.equal(as(admin, new URL(ended[1] ?? '').pathname, { args: ['-I', '-H', 'Tus-Resumable: 1.0.0'] }).status, 404);
  });

  it('lets the page’s own tus requests through the cross-site guard, not another site’s', () => {
    // The same-origin PATCHes above passed it; a page of another site is refused before any byte.
    const tus = ['-H', 'Tus-Resumable: 1.0.0', '-H', 'Origin: https://evil.example', '-H', 'Sec-Fetch-Site: cross-site'];
    const created = as(admin, '/api/images/cancelled.img/uploads', { method: 'POST', args: [...tus, '-H', 'Upload-Length: 1'] });
    assert.equal(created.status, 403);
    assert.equal((created.json as { error: { code: string } }).error.code, 'CROSS_SITE_REQUEST');
    const patched = as(admin, '/api/uploads/00000000-0000-4000-8000-000000000000', {
      method: 'PATCH',
      args: [...tus, '-H', 'Content-Type: application/offset+octet-stream', '-H', 'Upload-Offset: 0', '--data-binary', 'x'],
    });
    assert.equal(patched.status, 403);
    assert.equal(record('cancelled.img').status, 'empty');
  });

  it('shows the API’s message when the owner’s quota refuses the upload', async () => {
    const refused = as(carol, '/api/images/carol/carol.img/uploads', { method: 'POST', args: ['-H', 'Tus-Resumable: 1.0.0', '-H', `Upload-Length: ${SIZE}`] });
    assert.equal(refused.status, 413);
    const expected = (refused.json as { error: { message: string } }).error.message;
    const page = await open(carol, '/images/carol/carol.img');
    await page.getByLabel('Image file').setInputFiles(bigFile);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    assert.equal(await page.getByRole('alert').innerText(), expected);
    assert.equal(await page.getByRole('button', { name: 'Pause the upload' }).count(), 0);
    assert.equal(record('carol/carol.img').status, 'empty');
  });
});
