// A client that comes back on a new TLS connection is judged from cached verdicts (issue 19
// item 3: "proxy chains cost no more than an EEC once cached"), and the cache gives nothing
// away: over real TLS with curl and real grid-proxy-init / voms-proxy-fake proxies, against a
// server in this process (its clock can be moved), the cached path answers what the full path
// answers, an expired proxy is refused although cached, another chain with the same DN is
// judged on its own, an overlong chain keeps its reason, a VOMS verdict is reused (its refused
// AC logged once), and a client presenting a cached chain without the leaf's private key fails
// the handshake. A revoked certificate after caching: e2e/grid-login.test.ts ("refuses a revoked
// certificate once a CRL lands…").
import assert from 'node:assert/strict';
import { constants, createPrivateKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Certificate, ChainValidator, TrustStore, VomsDir, issueProxy, parsePem, toPem, writeProxyFile } from '@repoman/x509';
import { ConnectionIdentities } from '../../src/tls/connection-identity.js';
import { startCurl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { makeVomsCredentials, type VomsCredentials } from '../helpers/voms-credentials.js';

const HOUR = 3600_000;
const VO_FQAN = '/testvo/Role=NULL/Capability=NULL';

interface Answer {
  identity?: { dn: string; kind: string; limited: boolean; notAfter: string; fqans: string[] } | null;
  error?: string;
}

describe('cached chain verdicts over TLS', () => {
  let site: GridSite;
  let voms: VomsCredentials;
  let bob: GridUser;
  let server: Server;
  let url: string;
  let trust: TrustStore;
  let clock = Date.now();
  const warnings: string[] = [];
  let handshakes = 0;

  before(async () => {
    site = await makeGridSite();
    voms = await makeVomsCredentials(site, ['testvo']);
    bob = await site.user('bob');
    trust = await TrustStore.load({ caDir: site.caDir });
    const identities = new ConnectionIdentities(trust, (line) => warnings.push(line), { vomsdir: await VomsDir.load(voms.vomsdir), serverNames: ['localhost'] }, () => clock);
    server = createServer({
      cert: await readFile(site.hostCert), key: await readFile(site.hostKey),
      requestCert: true, rejectUnauthorized: false, secureOptions: constants.SSL_OP_NO_TICKET,
    }, (request, response) => {
      identities.identify({ raw: request } as never).then(
        (identity) => response.end(JSON.stringify({ identity })),
        (error: Error) => response.writeHead(401).end(JSON.stringify({ error: error.message })),
      );
    }).on('secureConnection', (socket) => {
      handshakes += 1;
      identities.admit(socket);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `https://localhost:${(server.address() as { port: number }).port}/`;
  });
  after(async () => {
    await new Promise((done) => server?.close(done));
    await site?.cleanup();
  });

  /** One request on a new connection with curl (in the background: the server is this process). */
  const ask = async (credential: string): Promise<Answer> => {
    const { exitCode, stderr, body } = await startCurl(url, { caDir: site.caDir, credential }).result;
    assert.equal(exitCode, 0, stderr);
    return JSON.parse(body) as Answer;
  };
  const chainOf = async (file: string): Promise<Buffer[]> => parsePem(await readFile(file, 'utf8'));
  const bobParty = async () => ({
    cert: Certificate.fromPem(await readFile(bob.certPath, 'utf8'))[0] as Certificate,
    key: createPrivateKey(await readFile(bob.keyPath, 'utf8')),
  });

  it('answers a chain seen before with the identity the full path gives', async () => {
    const first = await ask(bob.proxyPath);
    const second = await ask(bob.proxyPath);
    const uncached = new ChainValidator({ trust, cacheSize: 0 }).validate(await chainOf(bob.proxyPath));
    assert.deepEqual(first, { identity: JSON.parse(JSON.stringify({ ...uncached, fqans: [] })) });
    assert.deepEqual(second, first);
    assert.equal(first.identity?.kind, 'proxy');
  });

  it('refuses a short-lived proxy once it has expired, although its chain was cached', async () => {
    const short = join(site.dir, 'bob-short.pem');
    site.gridTool(bob, 'grid-proxy-init', ['-q', '-valid', '0:1', '-out', short]);
    assert.equal((await ask(short)).identity?.dn, bob.dn);
    assert.equal((await ask(short)).identity?.dn, bob.dn, 'cached');
    clock += 2 * HOUR;
    try {
      assert.match((await ask(short)).error ?? '', /expired/);
      assert.equal((await ask(bob.proxyPath)).identity?.dn, bob.dn, 'the 12-hour proxy is still good');
    } finally {
      clock -= 2 * HOUR;
    }
  });

  it('judges another chain with the same DN on its own', async () => {
    assert.equal((await ask(bob.proxyPath)).identity?.dn, bob.dn);
    const { cert, key } = await bobParty();
    const proxy = issueProxy({ issuerCert: cert, issuerKey: key, lifetimeSeconds: 3600 });
    const der = Buffer.from(proxy.cert.der);
    der[der.length - 5] = (der[der.length - 5] as number) ^ 0xff; // same DN and key, a signature that does not verify
    const forged = join(site.dir, 'bob-forged.pem');
    await writeProxyFile(forged, { cert: Certificate.fromDer(der), key: proxy.key }, [cert]);
    assert.match((await ask(forged)).error ?? '', /signature of .*CN=bob\/CN=\d+ does not verify/);
    const limited = join(site.dir, 'bob-limited.pem');
    site.gridTool(bob, 'grid-proxy-init', ['-q', '-limited', '-out', limited]);
    const answer = await ask(limited);
    assert.equal(answer.identity?.dn, bob.dn);
    assert.equal(answer.identity?.limited, true, 'not the cached verdict of the full proxy');
  });

  it('refuses an overlong chain with its reason, as often as it comes', async () => {
    let issuer = await bobParty();
    const certs: Certificate[] = [issuer.cert];
    for (let i = 0; i < 33; i++) {
      const proxy = issueProxy({ issuerCert: issuer.cert, issuerKey: issuer.key, lifetimeSeconds: 3600 });
      certs.unshift(proxy.cert);
      issuer = proxy;
    }
    const overlong = join(site.dir, 'bob-overlong.pem');
    await writeProxyFile(overlong, issuer, certs.slice(1));
    for (let i = 0; i < 2; i++) assert.match((await ask(overlong)).error ?? '', /more than 32 certificates/);
  });

  it('reuses a VOMS verdict: the FQANs again, a refused AC logged once', async () => {
    const doug = await site.user('Doug Fir');
    const good = voms.proxy(doug, join(site.dir, 'doug-voms.pem'), { vo: 'testvo', fqans: [VO_FQAN] });
    const rogue = voms.proxy(doug, join(site.dir, 'doug-rogue.pem'), { vo: 'testvo', fqans: [VO_FQAN], server: voms.rogue });
    for (let i = 0; i < 3; i++) assert.deepEqual((await ask(good)).identity?.fqans, [VO_FQAN]);
    warnings.length = 0;
    for (let i = 0; i < 3; i++) assert.deepEqual((await ask(rogue)).identity?.fqans, []);
    assert.equal(warnings.filter((line) => line.includes('ignored an attribute certificate')).length, 1, warnings.join('\n'));
  });

  it('fails the handshake of a client presenting a cached chain without its private key', async () => {
    assert.equal((await ask(bob.proxyPath)).identity?.dn, bob.dn);
    // The proxy's public key (n, e) with another key's private numbers: OpenSSL's client sees a
    // key that matches the certificate, and signs its CertificateVerify with the wrong numbers.
    const real = createPrivateKey(await readFile(bob.proxyPath, 'utf8')).export({ format: 'jwk' }) as JsonWebKey;
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as JsonWebKey;
    const impostor = createPrivateKey({ key: { ...other, n: real.n, e: real.e }, format: 'jwk' });
    const chainPem = (await chainOf(bob.proxyPath)).map((der) => toPem(Certificate.fromDer(der))).join('');
    const before = handshakes;
    const outcome = await new Promise<string>((settled) => {
      const socket = connect({
        host: '127.0.0.1', port: (server.address() as { port: number }).port, servername: 'localhost', rejectUnauthorized: false,
        cert: chainPem, key: impostor.export({ format: 'pem', type: 'pkcs8' }),
      });
      socket.once('secureConnect', () => socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
      let body = '';
      socket.on('data', (chunk: Buffer) => (body += chunk.toString()));
      socket.once('error', (error) => settled(`error: ${error.message}`));
      socket.once('close', () => settled(`closed: ${body}`));
    });
    assert.match(outcome, /^error: .*(decrypt error|bad signature|alert)/i, outcome);
    assert.equal(handshakes, before, 'the server completed no handshake');
  });
});
