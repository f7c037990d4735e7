/**
 * The web UI in a real browser (Debian's chromium through playwright-core) against the real
 * repoman-server over real TLS, logged in by the browser's certificate: an anonymous visitor
 * browses public images and is told how to log in; the admin creates, edits, uploads (from a
 * file chosen in the page) and shares an image, manages a group's members and deletes an image after confirming; the user it is
 * shared with downloads it; a refused action shows the API's own
 * message; `<script>` and `<img onerror>` in every text field stay text; a form on another
 * site cannot change anything (the cross-site guard); the pages fit 360 px and are keyboard
 * reachable. One browser for the file, one context per user.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hasChromium, launchBrowser, screenshot, userContext } from '../helpers/browser.js';
import { curl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

const SCRIPT = '<script>window.__xss = 1</script>';
const IMG = '<img src=x onerror="window.__xss = 1">';
const BYTES = Buffer.from('QFI\xfb a small qcow2-looking image for the browser test', 'latin1');

describe('the web UI in a real browser', { skip: !hasChromium() && 'chromium is missing (apt-get install chromium)' }, () => {
  let site: GridSite;
  let repo: Repository;
  let admin: GridUser;
  let bob: GridUser;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const asAdmin = (path: string, options: { method?: string; json?: unknown; args?: string[] } = {}) =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, credential: admin.proxyPath, ...options });

  /** A page in a new context: `user`'s certificate presented, or none. */
  async function open(user: GridUser | null, path: string, viewport?: { width: number; height: number }): Promise<Page> {
    const context = await userContext(browser, {
      origins: [repo.url],
      ...(user !== null && { certPath: user.certPath, keyPath: user.keyPath }),
      ...(viewport !== undefined && { viewport }),
    });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => assert.fail(`a dialog opened: ${dialog.message()}`));
    await page.goto(repo.url + path);
    return page;
  }

  before(async () => {
    site = await makeGridSite();
    [admin, bob] = await Promise.all([site.user('admin'), site.user('bob')]);
    repo = await startRepository({ site, adminDns: [admin.dn] });
    assert.equal(asAdmin('/api/users', { method: 'POST', json: { user_name: 'bob', client_dn: bob.dn, full_name: 'Bob Smith' } }).status, 201);
    for (const [name, pub] of [['public.img', true], ['private.img', false]] as const) {
      assert.equal(asAdmin('/api/images', { method: 'POST', json: { name, unauthenticated_access: pub, description: `the ${name}` } }).status, 201);
    }
    const file = join(site.dir, 'bytes.img');
    await writeFile(file, BYTES);
    assert.equal(asAdmin('/api/images/raw/public.img', { method: 'PUT', args: ['--data-binary', `@${file}`] }).status, 200);
    browser = await launchBrowser();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('shows an anonymous visitor the public images and how to log in', async () => {
    const page = await open(null, '/');
    await page.getByRole('link', { name: 'public.img' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'private.img' }).count(), 0);
    const hint = page.getByRole('complementary', { name: 'How to log in' });
    assert.match(await hint.innerText(), /not logged in[\s\S]*PKCS#12[\s\S]*admin\.p12/);
    assert.equal(await page.getByRole('link', { name: 'Groups' }).count(), 0);
    await screenshot(page, 'images-anonymous');
    // Filters go to the server (format=, os=) and into the URL.
    await page.getByLabel('Format').selectOption('vhdx');
    await page.getByText('No image matches these filters.').waitFor();
    assert.match(page.url(), /format=vhdx/);
    await page.getByLabel('Format').selectOption('raw');
    await page.getByRole('link', { name: 'public.img' }).waitFor();

    await page.getByRole('link', { name: 'public.img' }).click();
    await page.getByRole('heading', { name: 'public.img', level: 1 }).waitFor();
    assert.match(await page.getByLabel('repoman command', { exact: true }).innerText(), /^repoman download-image admin\/public\.img$/);
    assert.match(await page.getByLabel('curl command', { exact: true }).innerText(), /curl .*-o public\.img https:\/\/localhost:\d+\/api\/images\/raw\/admin\/public\.img$/);
    assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0, 'an anonymous visitor may not edit');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: /^Download public\.img/ }).click();
    assert.deepEqual(await readFile(await (await download).path()), BYTES);
  });

  it('lets the admin create, edit, upload and share an image, and bob download it', async () => {
    const page = await open(admin, '/images');
    await page.getByRole('link', { name: 'Users' }).waitFor();
    await page.getByRole('button', { name: 'New image' }).click();
    await page.getByLabel('Name', { exact: true }).fill('web.img');
    await page.getByLabel('Description').fill('made in the browser');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'web.img', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('OS type').fill('linux');
    await page.getByLabel('Minimum RAM (MB)').fill('512');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Save' }).waitFor({ state: 'detached' });
    const record = asAdmin('/api/images/web.img').json as { os_type: string; min_ram: number; description: string };
    assert.deepEqual([record.os_type, record.min_ram, record.description], ['linux', 512, 'made in the browser']);

    await page.getByLabel('Share with user').fill('bob');
    await page.locator('form', { has: page.getByLabel('Share with user') }).getByRole('button', { name: 'Share' }).click();
    await page.getByRole('button', { name: 'Stop sharing with user bob' }).waitFor();

    // The bytes from the browser: a file chosen in the form, PUT with progress.
    await page.getByLabel('Image file').setInputFiles({ name: 'web.img', mimeType: 'application/octet-stream', buffer: BYTES });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('button', { name: 'Upload a new version' }).waitFor();
    const uploaded = asAdmin('/api/images/web.img').json as { status: string; size: number; checksum: { value: string } };
    assert.deepEqual([uploaded.status, uploaded.size], ['ready', BYTES.length]);
    assert.equal(await page.getByLabel('sha256 checksum', { exact: true }).innerText(), uploaded.checksum.value);
    await screenshot(page, 'image-admin');

    const bobs = await open(bob, '/images?tab=shared');
    await bobs.getByRole('link', { name: 'web.img' }).click();
    await bobs.getByRole('heading', { name: 'web.img', level: 1 }).waitFor();
    assert.equal(await bobs.getByRole('button', { name: 'Edit' }).count(), 0, 'bob may read, not edit');
    const download = bobs.waitForEvent('download');
    await bobs.getByRole('link', { name: /^Download web\.img/ }).click();
    assert.deepEqual(await readFile(await (await download).path()), BYTES);
  });

  it('shows a refused action with the API’s own message', async () => {
    const expected = (asAdmin('/api/images/public.img/share/user/nobody', { method: 'PUT' }).json as { error: { message: string } }).error.message;
    const page = await open(admin, '/images/admin/public.img');
    await page.getByLabel('Share with user').fill('nobody');
    await page.locator('form', { has: page.getByLabel('Share with user') }).getByRole('button', { name: 'Share' }).click();
    assert.equal(await page.getByRole('alert').innerText(), expected);

    // A name the admin already uses: 409 CONFLICT, worded by the server.
    const conflict = (asAdmin('/api/images', { method: 'POST', json: { name: 'public.img' } }).json as { error: { message: string } }).error.message;
    await page.goto(`${repo.url}/images`);
    await page.getByRole('button', { name: 'New image' }).click();
    await page.getByLabel('Name', { exact: true }).fill('public.img');
    await page.getByRole('button', { name: 'Create' }).click();
    assert.equal(await page.getByRole('alert').innerText(), conflict);
    // A name the API's schema refuses is refused before any request, saying what is allowed.
    await page.getByLabel('Name', { exact: true }).fill('-bad name');
    await page.getByRole('button', { name: 'Create' }).click();
    assert.match(await page.getByRole('alert').innerText(), /must start with a letter or digit/);
  });

  it('shows <script> and <img onerror> in every text field as text', async () => {
    const fields = { description: SCRIPT, os_type: IMG, os_variant: SCRIPT, os_arch: IMG, hypervisor: SCRIPT };
    const page = await open(admin, '/images/admin/private.img');
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Description').fill(fields.description);
    await page.getByLabel('OS type').fill(fields.os_type);
    await page.getByLabel('OS variant').fill(fields.os_variant);
    await page.getByLabel('Architecture').fill(fields.os_arch);
    await page.getByLabel('Hypervisor').fill(fields.hypervisor);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Save' }).waitFor({ state: 'detached' });
    assert.deepEqual(Object.fromEntries(Object.keys(fields).map((key) => [key, (asAdmin('/api/images/private.img').json as Record<string, string>)[key]])), fields);

    await page.goto(`${repo.url}/users`);
    await page.getByLabel('User name').fill('mallory');
    await page.getByLabel('Certificate DN').fill(`/DC=org/CN=${IMG}`);
    await page.getByLabel('Full name').fill(SCRIPT);
    await page.getByRole('button', { name: 'Register user' }).click();
    await page.getByRole('rowheader', { name: /mallory/ }).waitFor();
    assert.ok(await page.getByText(SCRIPT, { exact: true }).isVisible(), 'the full name is shown as typed');

    for (const path of ['/images/admin/private.img', '/images']) {
      await page.goto(repo.url + path);
      await page.getByRole('link', { name: 'private.img' }).or(page.getByRole('heading', { name: 'private.img' })).first().waitFor();
      const text = await page.locator('main').innerText();
      if (path !== '/images') assert.ok(text.includes(SCRIPT) && text.includes(IMG), `${path} shows the markup as text`);
      else assert.ok(text.includes(IMG), 'the OS column shows the markup as text');
      assert.equal(await page.locator('main img, main script').count(), 0, `${path}: no element was made from the text`);
      assert.equal(await page.evaluate('window.__xss'), undefined);
    }
  });

  it('lets the admin suspend and reinstate a user and set quotas', async () => {
    const page = await open(admin, '/users');
    const bobRow = page.getByRole('row', { name: /bob/ });
    await bobRow.getByRole('button', { name: 'Suspend bob' }).click();
    await bobRow.getByRole('button', { name: 'Reinstate bob' }).waitFor();
    assert.equal((asAdmin('/api/users/bob').json as { suspended: boolean }).suspended, true);
    await bobRow.getByRole('button', { name: 'Reinstate bob' }).click();
    await bobRow.getByRole('button', { name: 'Suspend bob' }).waitFor();

    await bobRow.getByLabel('GiB').fill('2');
    await bobRow.getByLabel('Images').fill('7');
    // Waited for from before the click: the answer may come before the click returns.
    const reloaded = page.waitForResponse((response) => response.url().endsWith('/api/users') && response.request().method() === 'GET');
    await bobRow.getByRole('button', { name: 'Save quotas of bob' }).click();
    await reloaded;
    const bobRecord = asAdmin('/api/users/bob').json as { suspended: boolean; quota_bytes: number; quota_images: number };
    assert.deepEqual([bobRecord.suspended, bobRecord.quota_bytes, bobRecord.quota_images], [false, 2 * 1024 ** 3, 7]);
  });

  it('lets the admin make a group, add and remove bob, and delete an image after confirming', async () => {
    const page = await open(admin, '/groups');
    await page.getByLabel('New group').fill('physics');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'physics', level: 1 }).waitFor();
    await page.getByLabel('Add member').fill('bob');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('button', { name: 'Remove bob from physics' }).waitFor();
    assert.deepEqual((asAdmin('/api/groups/physics').json as { users: string[] }).users, ['bob']);
    await page.getByRole('button', { name: 'Remove bob from physics' }).click();
    await page.getByText('No members yet.').waitFor();
    assert.deepEqual((asAdmin('/api/groups/physics').json as { users: string[] }).users, []);

    assert.equal(asAdmin('/api/images', { method: 'POST', json: { name: 'doomed.img' } }).status, 201);
    await page.goto(`${repo.url}/images/admin/doomed.img`);
    await page.getByRole('button', { name: 'Delete doomed.img…' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(asAdmin('/api/images/doomed.img').status, 200, 'cancel deletes nothing');
    await page.getByRole('button', { name: 'Delete doomed.img…' }).click();
    assert.match(await page.getByRole('alertdialog').innerText(), /Delete admin\/doomed\.img and all its bytes\?/);
    await page.getByRole('button', { name: 'Yes, delete it' }).click();
    await page.getByRole('heading', { name: 'Images', level: 1 }).waitFor();
    assert.equal(asAdmin('/api/images/doomed.img').status, 404);
  });

  it('refuses a state-changing form posted from another site with the admin’s certificate', async () => {
    const context = await userContext(browser, { origins: [repo.url], certPath: admin.certPath, keyPath: admin.keyPath });
    contexts.push(context);
    const page = await context.newPage();
    // A hostile page on another origin: a plain HTML form the browser submits with the admin's certificate.
    await page.route('https://evil.example/**', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<form method="post" action="${repo.url}/api/images/private.img" enctype="application/x-www-form-urlencoded">
                 <input name="unauthenticated_access" value="true"><button>win a prize</button></form>`,
      }),
    );
    await page.goto('https://evil.example/prize');
    const answer = page.waitForResponse((response) => response.url().startsWith(repo.url));
    await page.getByRole('button', { name: 'win a prize' }).click();
    const response = await answer;
    assert.equal(response.status(), 403);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'CROSS_SITE_REQUEST');
    assert.equal((asAdmin('/api/images/private.img').json as { unauthenticated_access: boolean }).unauthenticated_access, false);
  });

  it('fits a 360 px screen, and at 1920 px is reachable by keyboard', async () => {
    for (const path of ['/images', '/images/admin/public.img', '/users', '/me', '/groups']) {
      const page = await open(admin, path, { width: 360, height: 740 });
      await page.locator('main h1').first().waitFor();
      const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
      assert.ok(width <= 360, `${path} is ${width} px wide at 360`);
      if (path === '/images/admin/public.img') await screenshot(page, 'image-360');
    }
    const page = await open(admin, '/images', { width: 1920, height: 1080 });
    await page.getByRole('link', { name: 'public.img' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    // Tab along until the public image's link, then open it with Enter.
    for (let i = 0; i < 30 && (await page.evaluate('document.activeElement?.textContent')) !== 'public.img'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'public.img', level: 1 }).waitFor();
    await screenshot(page, 'image');
    for (const [path, name] of [['/images', 'images'], ['/me', 'me'], ['/groups', 'groups'], ['/users', 'users']] as const) {
      await page.goto(repo.url + path);
      await page.locator('main h1').first().waitFor();
      await page.locator('main table, main dl').first().waitFor();
      await screenshot(page, name);
    }
  });
});
