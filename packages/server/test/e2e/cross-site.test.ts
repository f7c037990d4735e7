// A hostile page's plain HTML form cannot change a victim's image: the browser sends the
// victim's imported certificate over real TLS, but also `Origin` and `Sec-Fetch-Site`, and the
// server refuses state-changing requests from another origin (403 CROSS_SITE_REQUEST) while
// the same request from its own origin, and curl without those headers, still work. A
// malformed request over TLS also answers the envelope.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { curl, type CurlResult } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

describe('cross-site requests over TLS with the victim’s certificate', () => {
  let site: GridSite;
  let repo: Repository;
  let admin: GridUser;
  let victim: GridUser;

  /** curl presenting the victim's own certificate (as a browser would), not a proxy. */
  const asVictim = (path: string, args: string[] = []): CurlResult =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, args: ['--cert', victim.certPath, '--key', victim.keyPath, ...args] });
  /** The exact request a plain HTML form on another site produces, plus `headers`. */
  const formPost = (headers: string[]): CurlResult =>
    asVictim('/api/images/rhel.img', [
      '-X', 'POST', '-H', 'Content-Type: application/x-www-form-urlencoded', '--data-raw', 'unauthenticated_access=true',
      ...headers.flatMap((header) => ['-H', header]),
    ]);
  const isPublic = (): boolean => (asVictim('/api/images/rhel.img').json as { unauthenticated_access: boolean }).unauthenticated_access;
  const codeOf = (result: CurlResult): string => (result.json as { error: { code: string } }).error.code;

  before(async () => {
    site = await makeGridSite();
    [admin, victim] = await Promise.all([site.user('admin'), site.user('victim')]);
    repo = await startRepository({ site, adminDns: [admin.dn] });
    const created = curl(`${repo.url}/api/users`, {
      caDir: site.caDir, credential: admin.proxyPath, method: 'POST', json: { user_name: 'victim', client_dn: victim.dn },
    });
    assert.equal(created.status, 201, created.body);
    const image = asVictim('/api/images', ['-H', 'Content-Type: application/json', '--data-binary', '{"name":"rhel.img"}']);
    assert.equal(image.status, 201, image.body);
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('refuses the hostile form (Origin of another site, Sec-Fetch-Site: cross-site) and leaves the image private', () => {
    const refused = formPost(['Origin: https://evil.example', 'Sec-Fetch-Site: cross-site']);
    assert.equal(refused.status, 403, refused.body);
    assert.equal(codeOf(refused), 'CROSS_SITE_REQUEST');
    assert.match((refused.json as { error: { message: string } }).error.message, /another site|evil\.example|cross-site/);
    assert.equal(isPublic(), false);
  });

  it('refuses a delete or share from another origin, Origin: null, and same-site pages of another port', () => {
    for (const headers of [['Origin: https://evil.example'], ['Origin: null'], ['Sec-Fetch-Site: same-site'], [`Origin: ${repo.url.replace(/:(\d+)$/, ':1')}`]]) {
      const deleted = asVictim('/api/images/rhel.img', ['-X', 'DELETE', ...headers.flatMap((header) => ['-H', header])]);
      assert.equal(deleted.status, 403, `${headers.join()}: ${deleted.body}`);
      assert.equal(codeOf(deleted), 'CROSS_SITE_REQUEST');
    }
    assert.equal(asVictim('/api/images/rhel.img').status, 200, 'the image is still there');
  });

  it('reads from another origin still work (GET is not state-changing)', () => {
    const read = asVictim('/api/images/rhel.img', ['-H', 'Origin: https://evil.example', '-H', 'Sec-Fetch-Site: cross-site']);
    assert.equal(read.status, 200, read.body);
  });

  it('accepts the same form from the server’s own origin', () => {
    const accepted = formPost([`Origin: ${repo.url}`, 'Sec-Fetch-Site: same-origin']);
    assert.equal(accepted.status, 200, accepted.body);
    assert.equal(isPublic(), true);
  });

  it('accepts curl without Origin or Sec-Fetch-Site', () => {
    const accepted = asVictim('/api/images/rhel.img', ['-X', 'POST', '--data-raw', 'unauthenticated_access=false']);
    assert.equal(accepted.status, 200, accepted.body);
    assert.equal(isPublic(), false);
  });

  it('answers a malformed request over TLS with the envelope', async () => {
    const { hostname, port } = new URL(repo.url);
    const text = await new Promise<string>((done, fail) => {
      const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
        socket.write('FROB /api/images HTTP/1.1\r\nHost: h\r\n\r\n');
      });
      let received = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
      socket.on('close', () => done(received));
      socket.on('error', fail);
    });
    assert.match(text, /^HTTP\/1\.1 501 /);
    assert.equal((JSON.parse(text.split('\r\n\r\n')[1] ?? '') as { error: { code: string } }).error.code, 'NOT_IMPLEMENTED');
  });
});
