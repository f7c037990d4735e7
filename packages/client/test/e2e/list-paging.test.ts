// Listings larger than a page: the server answers at most `limit` images with a
// `Link: <…>; rel="next"` cursor, and the client follows it, so `repoman list-images` and the
// API's user listings still show every image exactly once (here 520 images, pages of 500).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadProxyCredential } from '../../src/transport/proxy-credential.js';
import { RepomanClient } from '../../src/repoman-client.js';
import { loadTrustAnchors } from '../../src/transport/trust-anchors.js';
import { makeClientSite, type ClientSite } from '../helpers/client-site.js';

const COUNT = 520;

describe('listings over several pages against a real server', () => {
  let s: ClientSite;
  let client: RepomanClient;
  const expected: string[] = [];

  before(async () => {
    s = await makeClientSite();
    client = new RepomanClient({ server: s.repo.url, credential: loadProxyCredential(s.bob.proxyPath), ca: loadTrustAnchors({ caDir: s.site.caDir }) });
    for (let i = 0; i < COUNT; i += 20) {
      const names = Array.from({ length: Math.min(20, COUNT - i) }, (_, j) => `page-${String(i + j).padStart(4, '0')}.img`);
      await Promise.all(names.map((name) => client.createImage(name)));
      expected.push(...names.map((name) => `bob/${name}`));
    }
  });
  after(async () => {
    client?.close();
    await s?.cleanup();
  });

  it('repoman list-images shows every image once', async () => {
    const result = await s.as(s.bob)(['list-images', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const names = (result.json as { owner: string; name: string }[]).map((image) => `${image.owner}/${image.name}`);
    assert.deepEqual(names, expected);
  });

  it('the API client follows Link for a user\'s images too', async () => {
    assert.deepEqual((await client.userImages('bob')).map((image) => `${image.owner}/${image.name}`), expected);
    assert.deepEqual((await client.listImages({ owner: 'bob' })).length, COUNT);
  });
});
