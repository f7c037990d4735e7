// The HTTPS listener as a TLS scanner and a long-lived client see it (issue 19, items 3 and 6):
// only forward-secret AEAD suites on TLS 1.2 and 1.3 (testssl.sh and `openssl s_client`
// probes), the server's chain without its self-signed root, the optional HSTS header, and
// idle keep-alive connections kept well past node's old 5 s — measured on one real socket.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { curl } from '../helpers/curl.js';
import { hasCommand, makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

const HSTS_SECONDS = 31_536_000;

describe('TLS as a scanner wants it, and keep-alive on HTTPS', () => {
  let site: GridSite;
  let repo: Repository;
  let admin: GridUser;
  let port: number;

  /** `openssl s_client` with these arguments; true when the handshake completed. */
  const handshake = (args: string[]): { ok: boolean; output: string } => {
    const result = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CApath', site.caDir, ...args], {
      input: '', encoding: 'utf8', timeout: 30_000,
    });
    const output = `${result.stdout}${result.stderr}`;
    return { ok: result.status === 0 && !output.includes('Cipher is (NONE)'), output };
  };

  before(async () => {
    site = await makeGridSite();
    admin = await site.user('admin');
    repo = await startRepository({ site, adminDns: [admin.dn], env: { REPOMAN_SERVER_HSTS: String(HSTS_SECONDS) } });
    port = Number(new URL(repo.url).port);
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('refuses static-RSA key exchange, CBC, DHE and TLS below 1.2 (openssl s_client)', () => {
    for (const cipher of ['AES128-SHA', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES128-GCM-SHA256']) {
      const probe = handshake(['-tls1_2', '-cipher', cipher]);
      assert.equal(probe.ok, false, `${cipher} was accepted:\n${probe.output}`);
    }
    assert.equal(handshake(['-tls1_1']).ok, false, 'TLS 1.1 was accepted');
  });

  it('accepts ECDHE with AES-GCM and ChaCha20 on TLS 1.2, and TLS 1.3', () => {
    for (const cipher of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']) {
      const probe = handshake(['-tls1_2', '-cipher', cipher]);
      assert.equal(probe.ok, true, `${cipher} was refused:\n${probe.output}`);
    }
    assert.equal(handshake(['-tls1_3']).ok, true, 'TLS 1.3 was refused');
  });

  it('sends its certificate chain without the self-signed root', () => {
    const { output } = handshake(['-showcerts']);
    const sent = output.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    assert.equal(sent.length, 1, `expected the host certificate only:\n${output}`);
    assert.match(output, /^ 0 s:.*CN ?= ?localhost/m);
    assert.doesNotMatch(output, /^ 1 s:/m, 'a second certificate (the CA) was sent');
  });

  it('passes testssl.sh: protocols, cipher categories, forward secrecy, LUCKY13', { skip: !hasCommand('testssl') && 'testssl (Debian testssl.sh) is not installed' }, async () => {
    const json = join(site.dir, 'testssl.json');
    await rm(json, { force: true });
    const scan = spawnSync('testssl', ['--quiet', '--color', '0', '--warnings', 'off', '-p', '-s', '-f', '-L', '--jsonfile', json, `127.0.0.1:${port}`], {
      encoding: 'utf8', timeout: 120_000,
    });
    const findings = JSON.parse(await readFile(json, 'utf8')) as { id: string; severity: string; finding: string }[];
    const byId = new Map(findings.map((finding) => [finding.id, finding]));
    const report = `${scan.stdout}\n${JSON.stringify(findings, null, 1)}`;
    const bad = findings.filter((finding) => ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(finding.severity));
    assert.deepEqual(bad, [], report);
    for (const id of ['TLS1', 'TLS1_1', 'SSLv3', 'SSLv2', 'cipherlist_AVERAGE', 'cipherlist_3DES_IDEA', 'cipherlist_LOW', 'cipherlist_NULL']) {
      assert.match(byId.get(id)?.finding ?? '(missing)', /^not offered/, `${id}: ${report}`);
    }
    assert.equal(byId.get('PFS')?.severity, 'OK', report);
    assert.equal(byId.get('LUCKY13')?.severity, 'OK', report);
    assert.match(byId.get('TLS1_3')?.finding ?? '', /^offered/, report);
  });

  it('sends Strict-Transport-Security when [server] hsts is set', () => {
    const answer = curl(`${repo.url}/api/whoami`, { caDir: site.caDir, credential: admin.proxyPath });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.headers['strict-transport-security'], `max-age=${HSTS_SECONDS}`);
  });

  it('keeps an idle HTTPS connection open past 5 s and serves the next request on it, without a new handshake', async () => {
    const proxy = await readFile(admin.proxyPath, 'utf8');
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const tls = connect({ host: '127.0.0.1', port, cert: proxy, key: proxy, ca: [], rejectUnauthorized: false }, () => resolve(tls));
      tls.once('error', reject);
    });
    try {
      let received = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const ask = async (): Promise<string> => {
        received = '';
        socket.write('GET /api/whoami HTTP/1.1\r\nHost: localhost\r\n\r\n');
        for (let waited = 0; !/\r\n\r\n[\s\S]*\}$/.test(received); waited += 20) {
          if (waited > 10_000 || socket.destroyed) throw new Error(`no complete answer: ${received}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return received;
      };
      const first = await ask();
      assert.match(first, /^HTTP\/1\.1 200/);
      assert.match(first, /\r\nkeep-alive: timeout=72\r\n/i);
      const idle = await Promise.race([new Promise((resolve) => setTimeout(() => resolve('open'), 6_500)), closed.then(() => 'closed')]);
      assert.equal(idle, 'open', 'the server closed the idle connection within 6.5 s');
      const second = await ask();
      // Same socket, no second handshake: the TLS connection of the first request served it.
      assert.match(second, /^HTTP\/1\.1 200/);
    } finally {
      socket.destroy();
    }
  });
});
