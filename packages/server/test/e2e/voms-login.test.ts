// VOMS end to end (SPEC §2.1): the real repoman-server with a grid site's vomsdir (`.lsc`),
// VOMS proxies made by the real voms-proxy-fake, the real curl and the real `repoman` client.
// A VO member without an account logs in through auto-registration and downloads an image
// shared with the VO's group; every hostile AC (an untrusted VOMS server's, an expired one,
// one of another holder) leaves the caller with its DN identity only. The verdict of a
// keep-alive connection ends with its AC.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { TrustStore, VomsDir, toPem } from '@repoman/x509';
import { runRepoman } from '../../../client/test/helpers/run-repoman.js';
import { ConnectionIdentities } from '../../src/tls/connection-identity.js';
import { curl, type CurlResult } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { makeVomsCredentials, type VomsCredentials } from '../helpers/voms-credentials.js';

const VO_FQAN = '/testvo/Role=NULL/Capability=NULL';
const IMAGE_BYTES = Buffer.from('the testvo worker node image\n'.repeat(1000));

describe('VOMS login over TLS with curl and repoman', () => {
  let site: GridSite;
  let voms: VomsCredentials;
  let repo: Repository;
  let admin: GridUser;
  let doug: GridUser;
  let alice: GridUser;

  const as = (credential: string | undefined, path: string, extra: Partial<Parameters<typeof curl>[1]> = {}): CurlResult =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, credential, ...extra });
  const repoman = (proxy: string, args: string[]) =>
    runRepoman(args, { env: { HOME: site.dir, X509_USER_PROXY: proxy, X509_CERT_DIR: site.caDir, REPOMAN_SERVER: repo.url }, cwd: site.dir });
  const proxyFile = (name: string): string => join(site.dir, name);

  before(async () => {
    site = await makeGridSite();
    voms = await makeVomsCredentials(site, ['testvo']);
    admin = await site.user('admin');
    doug = await site.user('Doug Fir');
    alice = await site.user('Alice Jones');
    repo = await startRepository({
      site, adminDns: [admin.dn],
      extraToml: ['[voms]', `vomsdir = ${JSON.stringify(voms.vomsdir)}`, 'server_name = "localhost"'].join('\n'),
    });
    // The VO's group, set up with the real client; an image of the admin's shared with it.
    const created = await repoman(admin.proxyPath, ['create-group', 'testvo', '--voms-fqan', '/testvo', '--voms-auto-register', '--json']);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(created.json, { ...(created.json as object), voms_fqans: ['/testvo'], voms_auto_register: true });
    assert.equal(as(admin.proxyPath, '/api/images', { method: 'POST', json: { name: 'wn.img' } }).status, 201);
    const image = proxyFile('wn.img');
    await writeFile(image, IMAGE_BYTES);
    assert.equal(as(admin.proxyPath, '/api/images/raw/wn.img', { method: 'PUT', args: ['--data-binary', `@${image}`, '-H', 'Content-Type: application/octet-stream'] }).status, 200);
    assert.equal(as(admin.proxyPath, '/api/images/wn.img/share/group/testvo', { method: 'PUT' }).status, 200);
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('ignores every hostile AC: an unknown DN stays anonymous (401), nobody is registered, the reason is logged', async () => {
    const rogue = voms.proxy(doug, proxyFile('doug-rogue.pem'), { vo: 'testvo', fqans: [VO_FQAN], server: voms.rogue });
    const expired = voms.proxy(doug, proxyFile('doug-expired.pem'), { vo: 'testvo', fqans: [VO_FQAN], extra: ['-pastac', '3:00', '-vomslife', '1'] });
    const alices = voms.proxy(alice, proxyFile('alice-voms.pem'), { vo: 'testvo', fqans: [VO_FQAN] });
    const stolen = await voms.proxyWithAcOf(doug, alices, proxyFile('doug-stolen.pem'));
    for (const [what, proxy] of [['untrusted VOMS server', rogue], ['expired AC', expired], ['AC of another holder', stolen]] as const) {
      assert.equal(as(proxy, '/api/whoami').status, 401, what);
      const download = as(proxy, '/api/images/raw/admin/wn.img');
      assert.equal(download.status, 401, what);
      const cli = await repoman(proxy, ['whoami']);
      assert.notEqual(cli.code, 0, what);
      assert.match(cli.stderr, /not registered/, what);
    }
    assert.equal(as(admin.proxyPath, '/api/users').body.includes('doug'), false, 'nobody was registered');
    const notices = repo.notices();
    assert.match(notices, /voms: ignored an attribute certificate of testvo .*Doug Fir.*signature/i);
    assert.match(notices, /voms: ignored an attribute certificate of testvo .*Doug Fir.*expired on/);
    assert.match(notices, /voms: ignored an attribute certificate of testvo .*Doug Fir.*holder .*Alice Jones/);
  });

  it('registers a VO member at first login; whoami shows the FQANs and the group; the shared image downloads with repoman and curl', async () => {
    const proxy = voms.proxy(doug, proxyFile('doug-voms.pem'), { vo: 'testvo', fqans: [VO_FQAN, '/testvo/higgs'] });
    const me = await repoman(proxy, ['whoami', '--json']);
    assert.equal(me.code, 0, me.stderr);
    const record = me.json as { user_name: string; client_dn: string; groups: string[]; fqans: string[]; voms_groups: string[] };
    assert.deepEqual([record.user_name, record.client_dn, record.groups, record.fqans, record.voms_groups],
      ['doug-fir', doug.dn, ['users'], [VO_FQAN, '/testvo/higgs'], ['testvo']]);
    const text = await repoman(proxy, ['whoami']);
    assert.match(text.stdout, /voms fqans:\s+\/testvo\/Role=NULL\/Capability=NULL, \/testvo\/higgs/);
    assert.match(text.stdout, /voms groups:\s+testvo/);
    assert.match(repo.log(), /"event":"voms_auto_register".*"user":"doug-fir"/);

    const dest = proxyFile('downloaded-wn.img');
    const download = await repoman(proxy, ['download-image', 'admin/wn.img', dest]);
    assert.equal(download.code, 0, download.stderr);
    assert.ok((await readFile(dest)).equals(IMAGE_BYTES));
    const viaCurl = as(proxy, '/api/images/raw/admin/wn.img');
    assert.equal(viaCurl.status, 200);
    assert.equal(viaCurl.body, IMAGE_BYTES.toString());
  });

  it('once registered, a hostile AC leaves the DN identity only: no FQANs, no VO group, the shared image is 404', async () => {
    const rogue = proxyFile('doug-rogue.pem');
    const me = as(rogue, '/api/whoami');
    assert.equal(me.status, 200, me.body);
    const record = me.json as { user_name: string; fqans: string[]; voms_groups: string[] };
    assert.deepEqual([record.user_name, record.fqans, record.voms_groups], ['doug-fir', [], []]);
    assert.equal(as(rogue, '/api/images/raw/admin/wn.img').status, 404);
    const cli = await repoman(rogue, ['download-image', 'admin/wn.img', proxyFile('not-downloaded.img')]);
    assert.notEqual(cli.code, 0);
  });
});

describe('the VOMS verdict of a keep-alive connection ends with its AC', () => {
  let site: GridSite;
  let server: Server;
  let url: string;

  before(async () => {
    site = await makeGridSite();
  });
  after(async () => {
    await new Promise((done) => server?.close(done));
    await site?.cleanup();
  });

  it('answers the FQANs on the first request and none once the clock passes validUntil, on the same connection', async () => {
    const voms = await makeVomsCredentials(site, ['testvo']);
    const doug = await site.user('Doug Fir');
    const proxy = voms.proxy(doug, join(site.dir, 'doug-voms.pem'), { vo: 'testvo', fqans: [VO_FQAN], extra: ['-vomslife', '2'] });
    const trust = await TrustStore.load({ caDir: site.caDir });
    let clock = Date.now();
    const identities = new ConnectionIdentities(trust, () => {}, { vomsdir: await VomsDir.load(voms.vomsdir), serverNames: ['localhost'] }, () => clock);
    const sockets = new Set<TLSSocket>();
    server = createServer({
      cert: await readFile(site.hostCert), key: await readFile(site.hostKey), ca: trust.anchors.map((anchor) => toPem(anchor)),
      requestCert: true, rejectUnauthorized: false, secureOptions: constants.SSL_OP_NO_TICKET,
    }, (request, response) => {
      sockets.add(request.socket as TLSSocket);
      void identities.identify({ raw: request } as never).then((identity) => {
        response.end(`${JSON.stringify(identity?.fqans ?? null)}\n`);
        clock += 3 * 3600_000; // the next request comes after the AC's end (2 h)
      });
    }).on('secureConnection', identities.admit);
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `https://localhost:${(server.address() as { port: number }).port}/`;
    // Asynchronously: the server answers from this process.
    const child = spawn('curl', ['-sS', '--capath', site.caDir, '--cert', proxy, '--key', proxy, url, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((exited) => child.once('close', exited));
    assert.equal(code, 0, stderr);
    assert.equal(sockets.size, 1, 'both requests on one connection');
    assert.deepEqual(stdout.trim().split('\n').map((line) => JSON.parse(line)), [[VO_FQAN], []]);
  });
});
