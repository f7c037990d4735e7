/**
 * The images page with 10,000 images (SPEC §4.1, issue [8/9] "Speed"): seeded through the
 * metadata stores into a real repoman-server's database (which has answered one request
 * before, as a server in use has), the first page (25 rows, the total from the server's paging)
 * renders in a real browser in under a second once the browser talks to the server (a reload:
 * index.html, whoami and the listing asked again; the cold first load of a new context is
 * printed too) — for the admin, who sees
 * them all, and for an anonymous visitor, who sees the public half. The figures are printed
 * (docs/ui.md quotes them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openMetadata } from '../../src/metadata/open-metadata.js';
import { hasChromium, launchBrowser, screenshot, userContext } from '../helpers/browser.js';
import { curl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

const IMAGES = 10_000;
const BUDGET_MS = 1000;

describe('the images page with 10,000 images', { skip: !hasChromium() && 'chromium is missing' }, () => {
  let site: GridSite;
  let repo: Repository;
  let admin: GridUser;
  let browser: Browser;

  before(async () => {
    site = await makeGridSite();
    admin = await site.user('admin');
    repo = await startRepository({ site, adminDns: [admin.dn] });
    const metadata = openMetadata(`sqlite:${repo.dataDir}/repoman.db`);
    try {
      const owner = await metadata.users.create({ name: 'bulk', clientDn: '/DC=org/CN=Bulk Uploader' }, []);
      for (let i = 0; i < IMAGES; i++) {
        await metadata.images.create({ ownerId: owner.id, name: `image-${String(i).padStart(5, '0')}.qcow2`, description: `seeded image ${i}`, unauthenticatedAccess: i % 2 === 0 });
      }
    } finally {
      await metadata.close();
    }
    // A server that has answered before (as one in use has): its first request compiles routes and queries.
    const warm = curl(`${repo.url}/api/images?limit=25`, { caDir: site.caDir, credential: admin.proxyPath, args: ['-w', '\n%{time_total}'] });
    assert.equal(warm.status, 200);
    const api = curl(`${repo.url}/api/images?limit=25`, { caDir: site.caDir, credential: admin.proxyPath, args: ['-o', '/dev/null', '-w', '%{time_total}'] });
    process.stdout.write(`# GET /api/images?limit=25 over ${IMAGES} images: ${(Number(api.body.trim().split('\n').at(-1)) * 1000).toFixed(0)} ms with curl (TLS handshake included)\n`);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await repo?.cleanup();
    await site?.cleanup();
  });

  /** Milliseconds from the navigation's start until the table shows its 25 rows and the total. */
  async function firstPage(page: Page, total: number): Promise<number> {
    await Promise.all([page.locator('main tbody tr').nth(24).waitFor(), page.locator('.pager').getByText(`of ${total.toLocaleString('en').replace(/,/g, '')}`).waitFor()]);
    return Number(await page.evaluate('performance.now()'));
  }

  for (const who of ['admin', 'anonymous'] as const) {
    it(`renders the first page for ${who === 'admin' ? 'the admin (all 10,000)' : 'an anonymous visitor (5,000 public)'} in under ${BUDGET_MS} ms`, async () => {
      const context = await userContext(browser, { origins: [repo.url], ...(who === 'admin' && { certPath: admin.certPath, keyPath: admin.keyPath }), viewport: { width: 1920, height: 1080 } });
      try {
        const page = await context.newPage();
        const total = who === 'admin' ? IMAGES : IMAGES / 2;
        await page.goto(`${repo.url}/images`);
        const cold = await firstPage(page, total);
        await page.reload();
        const warm = await firstPage(page, total);
        process.stdout.write(`# images page, ${who}, ${IMAGES} images: first page in ${cold.toFixed(0)} ms cold, ${warm.toFixed(0)} ms on reload\n`);
        // The budget holds for a browser already talking to the server. A cold context adds full TLS
        // handshakes (session tickets are off: every connection shows its chain) through
        // Playwright's client-certificate relay, which a browser with an imported certificate lacks;
        // its figure is printed, and asserted only with a margin for a loaded CI machine.
        assert.ok(warm < BUDGET_MS, `reload: ${warm} ms`);
        assert.ok(cold < 3 * BUDGET_MS, `cold: ${cold} ms`);
        if (who === 'admin') await screenshot(page, 'images-10000');
      } finally {
        await context.close();
      }
    });
  }
});
