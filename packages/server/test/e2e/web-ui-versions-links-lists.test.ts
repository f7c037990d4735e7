/**
 * The web UI's second part in a real browser (Debian's chromium through playwright-core)
 * against the real repoman-server over real TLS, logged in by the browser's certificate: the
 * images page sorts on the server; the admin downloads a kept version and rolls back to it;
 * makes a download link whose URL is shown once, which curl (no certificate) downloads, then
 * revokes it and curl gets 404; two pages edit one image and the second save is refused with
 * the API's 412 message and reloads; an image list made in the browser (images picked from
 * suggestions) shows what is published and why not, and its URL serves a list that
 * `openssl smime -verify` accepts; it is deleted after a confirmation; markup in its
 * description stays text; the new pages fit 360 px. One browser for the file, one context per
 * page.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hasChromium, launchBrowser, screenshot, userContext } from '../helpers/browser.js';
import { curl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { waitFor } from '../helpers/test-files.js';

const FIRST = Buffer.from('QFI\xfb version one of vm.img', 'latin1');
const SECOND = Buffer.from('QFI\xfb version two of vm.img, a little longer', 'latin1');
const MARKUP = '<img src=x onerror="window.__xss = 1"><script>window.__xss = 1</script>';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the web UI: versions, download links, If-Match and image lists in a real browser', { skip: !hasChromium() && 'chromium is missing (apt-get install chromium)' }, () => {
  let site: GridSite;
  let repo: Repository;
  let admin: GridUser;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const asAdmin = (path: string, options: { method?: string; json?: unknown; args?: string[] } = {}) =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, credential: admin.proxyPath, ...options });

  async function upload(image: string, bytes: Buffer): Promise<void> {
    const file = join(site.dir, 'upload.bytes');
    await writeFile(file, bytes);
    const put = asAdmin(`/api/images/raw/${image}`, { method: 'PUT', args: ['--data-binary', `@${file}`] });
    assert.equal(put.status, 200, put.body);
  }

  async function open(path: string, viewport?: { width: number; height: number }): Promise<Page> {
    const context = await userContext(browser, { origins: [repo.url], certPath: admin.certPath, keyPath: admin.keyPath, ...(viewport !== undefined && { viewport }) });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => assert.fail(`a dialog opened: ${dialog.message()}`));
    await page.goto(repo.url + path);
    return page;
  }

  before(async () => {
    site = await makeGridSite();
    admin = await site.user('admin');
    repo = await startRepository({ site, adminDns: [admin.dn] });
    assert.equal(asAdmin('/api/images', { method: 'POST', json: { name: 'vm.img', description: 'two versions' } }).status, 201);
    await upload('vm.img', FIRST);
    await upload('vm.img', SECOND);
    assert.equal(asAdmin('/api/images', { method: 'POST', json: { name: 'pub.img', unauthenticated_access: true } }).status, 201);
    await upload('pub.img', FIRST);
    assert.equal(asAdmin('/api/images', { method: 'POST', json: { name: 'big.img' } }).status, 201);
    await upload('big.img', Buffer.alloc(4096, 1));
    browser = await launchBrowser();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('sorts the images on the server: the order is in the URL and survives a reload', async () => {
    const page = await open('/images');
    const names = async () => (await page.locator('main tbody tr th, main tbody tr td:first-child a').allInnerTexts()).map((text) => text.trim());
    await page.getByRole('link', { name: 'big.img' }).waitFor();
    assert.deepEqual(await names(), ['big.img', 'pub.img', 'vm.img'], 'owner, then name by default');
    await page.getByLabel('Sort').selectOption({ label: 'Largest first' });
    await waitFor('big.img first, vm.img (43 bytes) second', async () => (await names()).join() === 'big.img,vm.img,pub.img');
    assert.match(page.url(), /sort=-size/);
    await page.getByLabel('Sort').selectOption({ label: 'Newest upload first' });
    await waitFor('the newest upload first', async () => (await names()).join() === 'big.img,pub.img,vm.img');
    await page.reload();
    await page.getByRole('link', { name: 'big.img' }).waitFor();
    assert.equal(await page.getByLabel('Sort').inputValue(), '-uploaded');
    assert.deepEqual(await names(), ['big.img', 'pub.img', 'vm.img']);
  });

  it('lists the versions, downloads a kept one and rolls back to it after a confirmation', async () => {
    const page = await open('/images/admin/vm.img');
    const versions = page.getByRole('table', { name: /Versions of vm\.img/ });
    await versions.getByRole('rowheader', { name: /^2\s*current$/ }).waitFor();
    assert.equal(await versions.getByRole('row').count(), 3, 'a header and two versions');
    assert.match(await versions.getByRole('row').nth(2).innerText(), new RegExp(`^1\\s.*${sha256(FIRST).slice(0, 12)}.*raw\\s.*\\sadmin\\s`, 's'));

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download version 1' }).click();
    assert.deepEqual(await readFile(await (await download).path()), FIRST);

    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    const dialog = page.getByRole('alertdialog');
    assert.match(await dialog.innerText(), /Make version 1 current again\?/);
    assert.equal((asAdmin('/api/images/vm.img').json as { version: number }).version, 2, 'nothing happens before the confirmation');
    await dialog.getByRole('button', { name: 'Yes, roll back to version 1' }).click();
    await versions.getByRole('rowheader', { name: /^3\s*current$/ }).waitFor();
    await screenshot(page, 'image-versions');
    const raw = curl(`${repo.url}/api/images/raw/admin/vm.img`, { caDir: site.caDir, credential: admin.proxyPath, args: ['-o', join(site.dir, 'current.bytes')] });
    assert.equal(raw.status, 200);
    assert.deepEqual(await readFile(join(site.dir, 'current.bytes')), FIRST);
    assert.match(await page.locator('dl.meta').innerText(), /Version\s+3/);
  });

  it('makes a download link shown once, which curl without a certificate downloads until it is revoked', async () => {
    const page = await open('/images/admin/vm.img');
    const form = page.getByRole('form', { name: 'New download link' });
    await form.getByLabel('Expires after').selectOption({ label: '1 hour' });
    await form.getByLabel(/^Version/).fill('2');
    await form.getByRole('button', { name: 'Create link' }).click();
    const shown = page.getByRole('status');
    assert.match(await shown.innerText(), /Shown once:[\s\S]*can never show it again[\s\S]*version 2/);
    const url = await page.getByLabel('new download link', { exact: true }).innerText();
    assert.match(url, /^https:\/\/.+\/api\/links\/[\w-]{43}$/);
    await screenshot(page, 'image-links');

    const file = join(site.dir, 'through-link.bytes');
    const got = curl(url, { caDir: site.caDir, args: ['-o', file] });
    assert.equal(got.status, 200, 'no certificate needed');
    assert.deepEqual(await readFile(file), SECOND, 'the pinned version 2, not the current one');

    await page.getByRole('button', { name: 'I have copied it' }).click();
    assert.equal(await page.getByLabel('new download link', { exact: true }).count(), 0, 'the URL is gone from the page');
    await page.reload();
    const links = page.getByRole('table', { name: /Live download links/ });
    const row = links.getByRole('row').nth(1);
    assert.match(await row.innerText(), /admin\s.*\s2\s+1\s/s, 'by admin, version 2, one download');
    assert.doesNotMatch(await page.locator('body').innerText(), new RegExp(url.split('/').pop()!), 'the token is never shown again');
    await row.getByRole('button', { name: /^Revoke/ }).click();
    await page.getByText('No live link.').waitFor();
    assert.equal(curl(url, { caDir: site.caDir }).status, 404);
  });

  it('sends If-Match from an edit form: the second of two pages editing one image is refused with the API’s message and reloads', async () => {
    const [first, second] = [await open('/images/admin/vm.img'), await open('/images/admin/vm.img')];
    for (const page of [first, second]) await page.getByRole('button', { name: 'Edit' }).click();
    await first.getByLabel('Description').fill('saved by the first page');
    await first.getByRole('button', { name: 'Save' }).click();
    await first.getByRole('button', { name: 'Save' }).waitFor({ state: 'detached' });

    await second.getByLabel('Description').fill('saved by the second page');
    await second.getByRole('button', { name: 'Save' }).click();
    const alert = second.getByRole('alert');
    assert.match(await alert.innerText(), /changed since you read it .*nothing was changed: read it again/);
    assert.equal((asAdmin('/api/images/vm.img').json as { description: string }).description, 'saved by the first page', 'the stale save changed nothing');
    await screenshot(second, 'image-412');

    await alert.getByRole('button', { name: 'Reload it as it is now' }).click();
    await waitFor('the form to show the saved description', async () => (await second.getByLabel('Description').inputValue()) === 'saved by the first page');
    await second.getByLabel('Description').fill('saved by the second page');
    await second.getByRole('button', { name: 'Save' }).click();
    await second.getByRole('button', { name: 'Save' }).waitFor({ state: 'detached' });
    assert.equal((asAdmin('/api/images/vm.img').json as { description: string }).description, 'saved by the second page');
  });

  it('creates an image list with suggested images, shows what is published and why not, serves it signed, edits and deletes it', async () => {
    const page = await open('/imagelists');
    await page.getByText('No image list yet.').waitFor();
    await page.getByRole('button', { name: 'New image list' }).click();
    const form = page.getByRole('form', { name: 'New image list' });
    // Checked as the API's schema checks it, before any request.
    await form.getByLabel('Name', { exact: true }).fill('-fedcloud');
    await form.getByLabel('Title').fill('Admin for FedCloud');
    await form.getByRole('button', { name: 'Create list' }).click();
    assert.match(await form.getByRole('alert').innerText(), /The list name must start with a letter or digit .*at most 128/);
    await form.getByLabel('Name', { exact: true }).fill('fedcloud');
    await form.getByLabel('VO').fill('fedcloud.egi.eu');
    const add = form.getByLabel('Add an image (owner/name)');
    await add.fill('pub');
    // The suggestions are the images the caller can read that match what was typed.
    const suggested = (image: string) => form.locator(`datalist option[value="${image}"]`).count();
    await waitFor('admin/pub.img alone suggested', async () => (await suggested('admin/pub.img')) === 1 && (await suggested('admin/vm.img')) === 0);
    await add.fill('admin/pub.img');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await add.fill('admin/vm.img');
    await add.press('Enter');
    await form.getByRole('button', { name: 'Remove admin/vm.img' }).waitFor();
    await form.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'fedcloud', level: 1 }).waitFor();
    assert.match(page.url(), /\/imagelists\/admin\/fedcloud$/);

    const url = await page.getByLabel('signed image list URL', { exact: true }).innerText();
    assert.equal(url, `${repo.url}/api/imagelists/admin/fedcloud/image.list`);
    // The sha512 is computed in the background, then the list is signed again: the subscriber's
    // view (no certificate) names both once that is done: the private vm.img through a download link.
    const signed = join(site.dir, 'image.list');
    let document: { 'hv:imagelist': { 'dc:title': string; 'ad:vo': string; 'hv:images': { 'hv:image': { 'dc:title': string; 'hv:uri': string } }[] } } | undefined;
    await waitFor('pub.img and vm.img in the signed list', async () => {
      assert.equal(curl(url, { caDir: site.caDir, args: ['-o', signed] }).status, 200, 'subscribers need no certificate');
      const verified = spawnSync('openssl', ['smime', '-verify', '-in', signed, '-CApath', site.caDir], { encoding: 'utf8' });
      assert.equal(verified.status, 0, verified.stderr);
      document = JSON.parse(verified.stdout) as typeof document;
      return document!['hv:imagelist']['hv:images'].length === 2;
    }, 30_000);
    assert.equal(document!['hv:imagelist']['dc:title'], 'Admin for FedCloud');
    assert.equal(document!['hv:imagelist']['ad:vo'], 'fedcloud.egi.eu');
    const images = document!['hv:imagelist']['hv:images'].map((entry) => entry['hv:image']);
    assert.deepEqual(images.map((image) => image['dc:title']).sort(), ['pub.img', 'vm.img']);
    assert.match(images.find((image) => image['dc:title'] === 'vm.img')!['hv:uri'], /\/api\/links\//, 'a private image is listed through a download link');

    await page.reload();
    assert.match(await page.getByRole('row', { name: /admin\/pub\.img/ }).innerText(), /\tpublished$/);
    assert.match(await page.getByRole('row', { name: /admin\/vm\.img/ }).innerText(), /\tpublished$/);
    await screenshot(page, 'image-list');

    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit fedcloud' });
    await edit.getByLabel('Title').fill('Renamed title');
    await edit.getByLabel('Description').fill(MARKUP);
    await edit.getByRole('button', { name: 'Remove admin/vm.img' }).click();
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    const record = asAdmin('/api/imagelists/admin/fedcloud').json as { title: string; images: { image: string }[] };
    assert.deepEqual([record.title, record.images.map((entry) => entry.image)], ['Renamed title', ['admin/pub.img']]);
    assert.equal(await page.locator('main .description').innerText(), MARKUP, 'markup in a description is text');
    assert.equal(await page.evaluate('window.__xss'), undefined);

    const index = await open('/imagelists');
    await index.getByRole('link', { name: 'admin/fedcloud' }).waitFor();
    await screenshot(index, 'image-lists');
    for (const path of ['/imagelists', '/imagelists/admin/fedcloud', '/images/admin/vm.img']) {
      const narrow = await open(path, { width: 360, height: 740 });
      await narrow.locator('main h1').first().waitFor();
      await narrow.locator('main table').first().waitFor();
      const width = Number(await narrow.evaluate('document.documentElement.scrollWidth'));
      assert.ok(width <= 360, `${path} is ${width} px wide at 360`);
    }

    await page.getByRole('button', { name: 'Delete fedcloud…' }).click();
    assert.equal(asAdmin('/api/imagelists/admin/fedcloud').status, 200, 'nothing is deleted before the confirmation');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete it' }).click();
    await page.getByText('No image list yet.').waitFor();
    assert.equal(curl(url, { caDir: site.caDir }).status, 404);
  });
});
