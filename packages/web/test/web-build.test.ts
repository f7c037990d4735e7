/**
 * The built UI (`npm run build` makes packages/web/dist): its JavaScript stays under 150 KB
 * gzipped (SPEC §4.1's budget, so the first page loads fast on a slow link), it fetches nothing
 * from another host (no CDN, no external font: it works offline), the bounds its forms check
 * are the API schemas' own, and the server answers index.html for exactly the UI's pages.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { ACCOUNT_NAME_PATTERN, DISK_FORMATS, IMAGE_NAME_PATTERN, ImageFields, ImageListMember, ImageListName } from '@repoman/api';
import { UI_PAGES } from '../../server/src/http/web-ui.js';
import * as limits from '../src/limits.js';
import { PAGE_NAMES } from '../src/page-names.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

test('the UI’s JavaScript is under 150 KB gzipped and loads nothing from elsewhere', () => {
  const assets = readdirSync(join(DIST, 'assets'));
  const scripts = assets.filter((name) => name.endsWith('.js'));
  assert.ok(scripts.length > 0, 'run npm run build first');
  const gzipped = scripts.reduce((sum, name) => sum + gzipSync(readFileSync(join(DIST, 'assets', name))).length, 0);
  assert.ok(gzipped < 150 * 1024, `${gzipped} bytes gzipped`);
  for (const name of [...assets.map((asset) => join('assets', asset)), 'index.html']) {
    const text = readFileSync(join(DIST, name), 'utf8');
    assert.doesNotMatch(text, /(src|href)=["']?(https?:)?\/\/|@import\s+url\(["']?https?:|fonts\.googleapis/, `${name} loads from another host`);
  }
});

test('the forms check the bounds of the API’s schemas', () => {
  assert.equal(limits.IMAGE_NAME_PATTERN, IMAGE_NAME_PATTERN);
  assert.equal(limits.ACCOUNT_NAME_PATTERN, ACCOUNT_NAME_PATTERN);
  assert.equal(limits.IMAGE_LIST_MEMBER_PATTERN, ImageListMember.pattern);
  assert.equal(limits.IMAGE_LIST_NAME_PATTERN, ImageListName.pattern);
  assert.deepEqual([...limits.DISK_FORMATS], [...DISK_FORMATS]);
  const fields = ImageFields.properties as Record<string, { maxLength?: number }>;
  assert.equal(limits.DESCRIPTION_MAX, fields.description?.maxLength);
  for (const key of ['os_variant', 'os_type', 'os_arch', 'hypervisor']) assert.equal(limits.TEXT_FIELD_MAX, fields[key]?.maxLength, key);
});

test('the server serves index.html for exactly the UI’s pages', () => {
  assert.deepEqual([...UI_PAGES], [...PAGE_NAMES]);
});
