/**
 * The listing filters the web UI's images page offers besides owner and search: `os=` (the
 * os_type or os_variant, case-insensitive, exact) and `format=` (the disk format, one of SPEC
 * §3's list; anything else is 400), combined with the others and with paging totals.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createImage } from './helpers/image-helpers.js';
import { createTestApp, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
let t: TestApp;

async function names(query: string, dn: string | null = BOB): Promise<{ names: string[]; total: string | undefined }> {
  const response = await t.request('GET', `/api/images${query}`, dn === null ? {} : { dn });
  assert.equal(response.statusCode, 200, response.body);
  return { names: (response.json() as { name: string }[]).map((image) => image.name), total: response.headers['x-total-count'] as string | undefined };
}

before(async () => {
  t = await createTestApp();
  await t.addUser('bob', BOB);
  await createImage(t, BOB, 'deb.qcow2', { os_type: 'Linux', os_variant: 'debian12', disk_format: 'qcow2', unauthenticated_access: true });
  await createImage(t, BOB, 'alma.img', { os_type: 'linux', os_variant: 'alma9', disk_format: 'raw' });
  await createImage(t, BOB, 'win.vhdx', { os_type: 'windows', disk_format: 'vhdx' });
  await createImage(t, BOB, 'blank.img');
});
after(() => t.close());

test('os= matches os_type or os_variant, case-insensitively and exactly', async () => {
  assert.deepEqual(await names('?os=LINUX'), { names: ['alma.img', 'deb.qcow2'], total: '2' });
  assert.deepEqual((await names('?os=debian12')).names, ['deb.qcow2']);
  assert.deepEqual((await names('?os=lin')).names, [], 'not a substring');
});

test('format= keeps one disk format, and combines with the other filters', async () => {
  assert.deepEqual((await names('?format=vhdx')).names, ['win.vhdx']);
  assert.deepEqual((await names('?format=qcow2&os=linux&q=deb')).names, ['deb.qcow2']);
  assert.deepEqual((await names('?format=qcow2', null)).names, ['deb.qcow2'], 'anonymous: public ones only');
  assert.deepEqual((await names('?format=raw', null)).names, []);
});

test('an unknown format is 400 naming the parameter, and nothing else changes', async () => {
  const refused = await t.request('GET', '/api/images?format=floppy', { dn: BOB });
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(errorOf(refused).message, /format/);
});
