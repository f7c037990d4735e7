// Interoperability with the openssl and Globus binaries: DN text, subject hash, our proxies,
// CRLs and proxy files as OpenSSL and grid-proxy-info read them.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Name } from '@peculiar/asn1-x509';
import {
  Certificate, formatDn, generateKeyPair, issueCertificate, issueCrl, issueProxy, parsePem, subjectHash, toPem, writeProxyFile,
} from '../src/index.js';
import { DAY, type Pki, hasCommand, makePki, tempDir, writeCaDir } from './helpers.js';

const OPENSSL = hasCommand('openssl');
const GRID_PROXY_INFO = hasCommand('grid-proxy-info');

const DNS = [
  '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir',
  '/C=CA/O=Grid/OU=uvic.ca/CN=Bob Smith',
  '/C=DE/O=GermanGrid/OU=Uni Köln/CN=Jürgen Müller/emailAddress=j.mueller@uni-koeln.de',
  '/C=CA/O=a\\/b/CN=x+UID=y',
  '/C=US/O=Grid/CN=  spaced   Name ',
  '/DC=org/DC=example/CN=host\\/gridftp.example.org',
  '/C=US/O=x/CN=plus\\+sign/serialNumber=00123/street=1 Main St/title=Dr',
  '/C=JP/O=日本/CN=名前',
];

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('interoperability with openssl', { skip: OPENSSL ? false : 'openssl is not installed' }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let pki: Pki;
  before(async () => {
    dir = await tempDir();
    pki = makePki();
  });
  after(() => dir.cleanup());

  const opensslSubject = (pemFile: string): string => {
    const out = openssl(['x509', '-in', pemFile, '-noout', '-subject', '-nameopt', 'compat']);
    assert.ok(out.startsWith('subject='));
    return out.slice('subject='.length).replace(/\n$/, '');
  };
  const opensslHash = (pemFile: string): string => openssl(['x509', '-in', pemFile, '-noout', '-hash']).trim();

  it('formats DNs of openssl-made certificates byte-equal to openssl, and hashes them alike', async () => {
    const cnf = join(dir.path, 'req.cnf');
    let n = 0;
    for (const mask of ['utf8only', 'default', 'nombstr']) {
      await writeFile(cnf, `[req]\ndistinguished_name=dn\nstring_mask=${mask}\n[dn]\n`);
      for (const dn of DNS) {
        if (mask === 'nombstr' && /[^\x20-\x7e]/.test(dn)) continue;
        const file = join(dir.path, `o${n++}.pem`);
        const r = spawnSync('openssl', ['req', '-config', cnf, '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
          '-keyout', '/dev/null', '-out', file, '-subj', dn, '-utf8', '-multivalue-rdn', '-days', '1']);
        assert.equal(r.status, 0, r.stderr.toString());
        const cert = Certificate.fromPem(await readFile(file, 'utf8'))[0] as Certificate;
        assert.equal(cert.subjectDn, opensslSubject(file), `DN of ${dn} (${mask})`);
        assert.equal(subjectHash(cert), opensslHash(file), `hash of ${dn} (${mask})`);
        assert.equal(formatDn(AsnConvert.parse(cert.subjectDer, Name)), cert.subjectDn);
        assert.equal(formatDn(cert.subjectDer), cert.subjectDn);
      }
    }
  });

  it('issues certificates whose DN text and hash openssl agrees with', async () => {
    const { publicKey, privateKey } = generateKeyPair(2048);
    for (const [i, dn] of [...DNS, '/1.2.3.4=custom/CN=Unknown Attribute', '/CN=J\\xC3\\xBCrgen'].entries()) {
      const cert = issueCertificate({ subject: dn, publicKey, signingKey: privateKey, notAfter: new Date(Date.now() + DAY) });
      const file = join(dir.path, `ours${i}.pem`);
      await writeFile(file, toPem(cert));
      assert.equal(cert.subjectDn, opensslSubject(file), dn);
      assert.equal(subjectHash(cert), opensslHash(file), dn);
    }
  });

  it('makes proxies that openssl verify -allow_proxy_certs accepts', async () => {
    const { root, sub, bob } = pki;
    const files = {
      ca: join(dir.path, 'ca.pem'), eec: join(dir.path, 'eec.pem'), proxy: join(dir.path, 'proxy.pem'),
      chain: join(dir.path, 'chain.pem'), pp: join(dir.path, 'pp.pem'), crl: join(dir.path, 'crl.pem'),
    };
    await writeFile(files.ca, toPem(root.cert) + toPem(sub.cert));
    await writeFile(files.eec, toPem(bob.cert));
    const proxy = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 3600 });
    const limited = issueProxy({ issuerCert: proxy.cert, issuerKey: proxy.key, lifetimeSeconds: 600, limited: true });
    await writeFile(files.proxy, toPem(proxy.cert));
    await writeFile(files.pp, toPem(limited.cert));
    await writeFile(files.chain, toPem(proxy.cert) + toPem(bob.cert));
    const verify = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
      spawnSync('openssl', ['verify', ...args], { encoding: 'utf8' });
    let r = verify(['-allow_proxy_certs', '-CAfile', files.ca, '-untrusted', files.eec, files.proxy]);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    r = verify(['-allow_proxy_certs', '-CAfile', files.ca, '-untrusted', files.chain, files.pp]);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    r = verify(['-CAfile', files.ca, '-untrusted', files.eec, files.proxy]);
    assert.notEqual(r.status, 0, 'openssl refuses proxies without -allow_proxy_certs');

    const crl = issueCrl({ issuer: sub, revokedSerials: [bob.cert.serialHex], nextUpdate: new Date(Date.now() + DAY) });
    await writeFile(files.crl, toPem(crl));
    r = spawnSync('openssl', ['crl', '-in', files.crl, '-CAfile', files.ca, '-noout'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(`${r.stdout}${r.stderr}`, /verify OK/);
    r = verify(['-crl_check', '-CAfile', files.ca, '-CRLfile', files.crl, files.eec]);
    assert.notEqual(r.status, 0);
    assert.match(`${r.stdout}${r.stderr}`, /revoked/);
  });

  it('writes proxy files that grid-proxy-info and openssl read', { skip: GRID_PROXY_INFO ? false : 'grid-proxy-info is not installed' }, async () => {
    const { root, sub, bob } = pki;
    const caDir = join(dir.path, 'certificates');
    spawnSync('mkdir', ['-p', caDir]);
    await writeCaDir(caDir, [root.cert, sub.cert]);
    const proxy = issueProxy({ issuerCert: bob.cert, issuerKey: bob.key, lifetimeSeconds: 7200, limited: true });
    const file = join(dir.path, 'x509up_test');
    await writeProxyFile(file, proxy, [bob.cert]);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    const certs = parsePem(text);
    assert.equal(certs.length, 2);
    assert.ok(certs[0]?.equals(proxy.cert.der));
    assert.ok(certs[1]?.equals(bob.cert.der));
    assert.equal(parsePem(text, 'RSA PRIVATE KEY').length, 1);

    const info = execFileSync('grid-proxy-info', ['-f', file, '-all'], { encoding: 'utf8', env: { ...process.env, X509_CERT_DIR: caDir } });
    assert.match(info, new RegExp(`identity : ${bob.cert.subjectDn}\\n`));
    assert.match(info, /type\s+: RFC 3820 compliant limited proxy/);
    assert.match(info, /timeleft : (1:59|2:00):/);
    const check = spawnSync('openssl', ['rsa', '-in', file, '-check', '-noout'], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.match(openssl(['x509', '-in', file, '-noout', '-subject', '-nameopt', 'compat']), new RegExp(`${bob.cert.subjectDn}/CN=\\d+`));
  });
});
