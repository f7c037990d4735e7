/**
 * A real browser for the web UI's end-to-end tests: Debian's chromium driven by
 * `playwright-core` (no browser download). One browser per test file; one context per user,
 * each presenting that user's certificate (EEC + key, as a PKCS#12 imported into a browser
 * would) to the repository's origin over real TLS, or none for an anonymous visitor. The test
 * CA is not in the browser's store, hence `ignoreHTTPSErrors`. `REPOMAN_UI_SCREENSHOTS=DIR`
 * makes `screenshot()` write PNGs there (how docs/ui/*.png are made); otherwise it does nothing.
 */
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { hasCommand } from './grid-site.js';

export const CHROMIUM = '/usr/bin/chromium';

export function hasChromium(): boolean {
  return hasCommand(CHROMIUM);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface ContextOptions {
  /** The origins the certificate is presented to (the repository's URL, possibly another name of it). */
  readonly origins?: readonly string[];
  /** The user's certificate and key (PEM); none: an anonymous visitor. */
  readonly certPath?: string;
  readonly keyPath?: string;
  readonly viewport?: { width: number; height: number };
}

export function userContext(browser: Browser, options: ContextOptions): Promise<BrowserContext> {
  const { certPath, keyPath } = options;
  return browser.newContext({
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    ...(certPath !== undefined && keyPath !== undefined && { clientCertificates: (options.origins ?? []).map((origin) => ({ origin, certPath, keyPath })) }),
  });
}

/** A full-page PNG named `name` into $REPOMAN_UI_SCREENSHOTS, when set. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.REPOMAN_UI_SCREENSHOTS;
  if (dir === undefined || dir === '') return;
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
