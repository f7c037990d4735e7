/**
 * The sweeper racing versions (SPEC §3 "Versions"): while sweeps run back to back, uploads add
 * versions (dropping the oldest beyond keep_versions), rollbacks make old — and old-looking —
 * blobs current again, and versions are deleted. The sweeper must never remove a blob that a
 * kept version, a clone or an upload in flight names: afterwards every kept version of every
 * image downloads whole with its checksum, and a last sweep leaves exactly the named blobs.
 */
import assert from 'node:assert/strict';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createBlobSweeper, HOUR_MS } from '../src/services/blob-sweeper.js';
import { createWithBytes, putBytes, sha256Hex, storageFiles } from './helpers/image-helpers.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const BOB = '/O=Grid/CN=Bob';
const ROUNDS = 15;
let t: TestApp;

/** Makes every committed blob look two hours old, past the sweeper's grace period. */
async function ageBlobs(): Promise<void> {
  const root = join(t.config.storage.path, 'blobs');
  const longAgo = new Date(Date.now() - 2 * HOUR_MS);
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    // A blob the running sweeper has just removed is no longer there to age.
    if (entry.isFile()) await utimes(join(entry.parentPath, entry.name), longAgo, longAgo).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

async function keptVersions(path: string): Promise<{ version: number; checksum: { value: string } }[]> {
  const response = await t.request('GET', `${path}/versions`, { dn: BOB });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

before(async () => {
  t = await createTestApp({ env: { REPOMAN_IMAGES_KEEP_VERSIONS: '3' } });
  await t.addUser('bob', BOB);
});
after(() => t.close());

test('sweeps racing uploads, rollbacks and version deletions never remove a blob a kept version or a clone names', async () => {
  await createWithBytes(t, BOB, 'bob', 'race.img', 'content 0');
  for (const n of [1, 2]) assert.equal((await putBytes(t, BOB, '/api/images/raw/race.img', `content ${n}`)).statusCode, 200);
  assert.equal((await t.request('POST', '/api/images/race.img/clone', { dn: BOB, json: { name: 'copy.img' } })).statusCode, 201);
  await ageBlobs();

  const sweeper = createBlobSweeper(t.metadata.images, t.blobs);
  let working = true;
  let sweeps = 0;
  let swept = 0;
  const sweeping = (async () => {
    while (working) {
      swept += (await sweeper.sweep()).blobs;
      sweeps += 1;
    }
  })();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const kept = await keptVersions('/api/images/race.img');
      const oldest = kept.at(-1)!.version;
      const results = await Promise.all([
        putBytes(t, BOB, '/api/images/raw/race.img', `content of round ${round}`),
        t.request('POST', '/api/images/race.img/rollback', { dn: BOB, json: { version: oldest } }),
        t.request('DELETE', `/api/images/race.img/versions/${kept[1]!.version}`, { dn: BOB }),
      ]);
      assert.equal(results[0].statusCode, 200, results[0].body);
      // The rollback may lose its version to the upload's trimming or the deletion: 404, nothing changed.
      assert.ok([200, 404].includes(results[1].statusCode), results[1].body);
      assert.ok([204, 404, 409].includes(results[2].statusCode), results[2].body);
      if (round % 3 === 0) await ageBlobs(); // what was just committed looks old too
    }
  } finally {
    working = false;
    await sweeping;
  }
  assert.ok(sweeps >= 2, `the sweeper ran (${sweeps} sweeps)`);
  assert.ok(swept > 0, 'blobs of dropped versions were swept meanwhile');

  for (const path of ['/api/images/race.img', '/api/images/copy.img']) {
    const name = path.split('/').at(-1)!;
    for (const version of await keptVersions(path)) {
      const download = await t.request('GET', `/api/images/raw/${name}?version=${version.version}`, { dn: BOB });
      assert.equal(download.statusCode, 200, `${name} v${version.version}: ${download.body}`);
      assert.equal(sha256Hex(download.rawPayload), version.checksum.value, `${name} v${version.version} whole`);
    }
  }
  await createBlobSweeper(t.metadata.images, t.blobs, { now: () => Date.now() + 2 * HOUR_MS }).sweep();
  const blobs = (await storageFiles(t)).filter((file) => file.startsWith('blobs/'));
  assert.deepEqual(blobs.sort(), [...(await t.metadata.images.referencedBlobKeys())].sort(), 'exactly the named blobs are left');
});
