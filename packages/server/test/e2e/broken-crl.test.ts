// A broken CRL must not let a revoked user in, over real TLS with curl: with the CA's `.r0`
// truncated, garbage, badly signed or not yet valid, every certificate of that CA is refused
// with 401 saying the CA's CRL is unusable (run fetch-crl), at run time and after a restart,
// and the server's log names the file; a good CRL dropped in live lets the others in again.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Certificate, generateKeyPair, issueCrl, subjectHash, toPem } from '@repoman/x509';
import { curl, type CurlResult } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

const HOUR = 3600_000;
const REFRESH_WAIT_MS = 2500; // the trust store looks at the directory at most every 2 s

describe('a broken CRL over TLS with curl', () => {
  let site: GridSite;
  let repo: Repository;
  let eve: GridUser;
  let bob: GridUser;
  let crlFile: string;
  let eveSerial: string;

  const whoami = (user: GridUser): CurlResult => curl(`${repo.url}/api/whoami`, { caDir: site.caDir, credential: user.proxyPath });
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, REFRESH_WAIT_MS));
  const goodCrl = (): string => toPem(issueCrl({ issuer: site.ca, revokedSerials: [eveSerial], thisUpdate: new Date(Date.now() - HOUR), nextUpdate: new Date(Date.now() + 24 * HOUR) }));

  before(async () => {
    site = await makeGridSite();
    const admin = await site.user('admin');
    eve = await site.user('eve');
    bob = await site.user('bob');
    repo = await startRepository({ site, adminDns: [admin.dn] });
    for (const user of [eve, bob]) {
      const created = curl(`${repo.url}/api/users`, { caDir: site.caDir, credential: admin.proxyPath, method: 'POST', json: { user_name: user.name, client_dn: user.dn } });
      assert.equal(created.status, 201, created.body);
    }
    eveSerial = (Certificate.fromPem(await readFile(eve.certPath, 'utf8'))[0] as Certificate).serialHex;
    crlFile = join(site.caDir, `${subjectHash(site.ca.cert)}.r0`);
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('refuses the revoked eve and lets bob in with a good CRL', async () => {
    await writeFile(crlFile, goodCrl());
    await settle();
    assert.match(whoami(eve).body, /revoked/);
    assert.equal(whoami(bob).status, 200);
  });

  /** Whether the server's stderr names the CRL file in a trust warning (curl runs synchronously: give the pipe a moment). */
  const logNamesFile = async (since: number): Promise<boolean> => {
    const named = (): boolean => repo.notices().slice(since).includes(`trust: ${crlFile}: `);
    for (let i = 0; i < 20 && !named(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    return named();
  };

  const assertRefusedAsUnusable = (when: string): void => {
    for (const user of [eve, bob]) {
      const result = whoami(user);
      assert.equal(result.status, 401, `${user.name} ${when}: ${result.stderr}${result.body}`);
      const { code, message } = (result.json as { error: { code: string; message: string } }).error;
      assert.equal(code, 'UNAUTHENTICATED');
      assert.match(message, /the CRL of CA .*CN=Repoman Test CA is unusable.*run fetch-crl/, `${user.name} ${when}`);
    }
  };

  const broken: Array<{ name: string; content: () => string }> = [
    { name: 'a truncated CRL', content: () => goodCrl().slice(0, 250) },
    { name: 'garbage for a CRL', content: () => 'this is not a CRL\n'.repeat(10) },
    {
      name: 'a CRL signed with another key',
      content: () => toPem(issueCrl({ issuer: { cert: site.ca.cert, key: generateKeyPair().privateKey }, revokedSerials: [], nextUpdate: new Date(Date.now() + 24 * HOUR) })),
    },
    {
      name: 'a CRL not yet valid',
      content: () => toPem(issueCrl({ issuer: site.ca, revokedSerials: [eveSerial], thisUpdate: new Date(Date.now() + 24 * HOUR), nextUpdate: new Date(Date.now() + 48 * HOUR) })),
    },
  ];
  for (const { name, content } of broken) {
    it(`refuses every user of the CA with ${name}, at run time and after a restart, logging the file`, async () => {
      const logged = repo.notices().length;
      await writeFile(crlFile, content());
      await settle();
      assertRefusedAsUnusable('at run time');
      assert.ok(await logNamesFile(logged), `the log names ${crlFile}:\n${repo.notices()}`);
      await repo.restart();
      assertRefusedAsUnusable('after a restart');
      assert.ok(await logNamesFile(0), `the log at start names ${crlFile}:\n${repo.notices()}`);
    });
  }

  it('lets bob in again once a good CRL is dropped in, eve still revoked', async () => {
    await writeFile(crlFile, goodCrl());
    await settle();
    assert.equal(whoami(bob).status, 200);
    const result = whoami(eve);
    assert.equal(result.status, 401);
    assert.match(result.body, /revoked/);
  });
});
