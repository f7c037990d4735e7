// Real proxies made by grid-proxy-init, voms-proxy-init and voms-proxy-fake over a CA and user
// certificate made by the openssl binary, validated against a grid CA directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Certificate, ChainValidator, type Identity, OID, TrustStore, parsePem, subjectHash } from '../src/index.js';
import { expectRefusal, hasCommand, tempDir } from './helpers.js';

const GRID = hasCommand('grid-proxy-init');
const VOMS = hasCommand('voms-proxy-init');
const VOMS_FAKE = hasCommand('voms-proxy-fake');
const OPENSSL = hasCommand('openssl');
const USER_DN = '/DC=org/DC=Grid Test/OU=People/CN=Doug Fir/CN=612345';
const CA_DN = '/DC=org/DC=Grid Test/CN=Grid Test CA';

function skipUnless(ok: boolean, what: string): { skip: string | false } {
  return { skip: ok ? false : `${what} is not installed (apt-get install globus-proxy-utils voms-clients openssl)` };
}

describe('real grid proxies', skipUnless(GRID && OPENSSL, 'grid-proxy-init or openssl'), () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let caDir: string;
  let validator: ChainValidator;
  const f = (name: string): string => join(dir.path, name);

  function run(cmd: string, args: string[]): void {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOME: dir.path, X509_USER_CERT: f('usercert.pem'), X509_USER_KEY: f('userkey.pem'), X509_CERT_DIR: caDir,
    };
    const r = spawnSync(cmd, args, { env, encoding: 'utf8', cwd: dir.path, timeout: 60_000, input: '' });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  }
  const openssl = (args: string[]): void => run('openssl', args);
  const chainOf = async (file: string): Promise<Buffer[]> => parsePem(await readFile(f(file), 'utf8'));
  const validate = async (file: string): Promise<Identity> => validator.validate(await chainOf(file));

  before(async () => {
    dir = await tempDir('x509-grid-');
    caDir = f('certificates');
    await writeFile(f('ext.cnf'), [
      '[ca]', 'basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash',
      '[user]', 'basicConstraints=critical,CA:false', 'keyUsage=critical,digitalSignature,keyEncipherment,dataEncipherment',
      'extendedKeyUsage=clientAuth', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid',
      '[host]', 'basicConstraints=critical,CA:false', 'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth', '',
    ].join('\n'));
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '30',
      '-subj', CA_DN, '-extensions', 'ca', '-config', f('ext.cnf'), '-multivalue-rdn']);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('userkey.pem'), '-out', f('user.csr'), '-subj', USER_DN, '-config', f('ext.cnf')]);
    openssl(['x509', '-req', '-in', f('user.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', '4242', '-days', '10',
      '-out', f('usercert.pem'), '-extfile', f('ext.cnf'), '-extensions', 'user']);
    await chmod(f('userkey.pem'), 0o400);
    run('mkdir', ['-p', caDir]);
    const ca = Certificate.fromPem(await readFile(f('ca.pem'), 'utf8'))[0] as Certificate;
    const hash = subjectHash(ca);
    await writeFile(join(caDir, `${hash}.0`), await readFile(f('ca.pem')));
    await writeFile(join(caDir, `${hash}.signing_policy`),
      `access_id_CA X509 '${CA_DN}'\npos_rights globus CA:sign\ncond_subjects globus '"/DC=org/DC=Grid Test/*"'\n`);
    validator = new ChainValidator({ trust: await TrustStore.load({ caDir }) });
  });
  after(() => dir.cleanup());

  it('names the CA files by the hash openssl computes', async () => {
    const r = spawnSync('openssl', ['x509', '-hash', '-noout', '-in', f('ca.pem')], { encoding: 'utf8' });
    const ca = Certificate.fromPem(await readFile(f('ca.pem'), 'utf8'))[0] as Certificate;
    assert.equal(subjectHash(ca), r.stdout.trim());
    assert.equal(ca.subjectDn, CA_DN);
  });

  it('accepts grid-proxy-init\'s default (RFC 3820) proxy; the file holds proxy, key, EEC', async () => {
    run('grid-proxy-init', ['-q', '-out', f('p')]);
    const text = await readFile(f('p'), 'utf8');
    const certs = Certificate.fromPem(text);
    assert.equal(certs.length, 2);
    assert.equal(certs[1]?.subjectDn, USER_DN);
    assert.match(text, /-----BEGIN (RSA )?PRIVATE KEY-----/);
    const id = await validate('p');
    assert.deepEqual({ ...id, notAfter: undefined }, {
      dn: USER_DN, issuerDn: CA_DN, kind: 'proxy', limited: false, proxyDepth: 1, voms: false, notAfter: undefined,
    });
    assert.equal(id.notAfter.getTime(), certs[0]?.notAfter.getTime());
    run('grid-proxy-init', ['-q', '-rfc', '-out', f('p-rfc')]);
    assert.equal((await validate('p-rfc')).dn, USER_DN);
  });

  it('accepts a limited proxy and marks it limited', async () => {
    run('grid-proxy-init', ['-q', '-limited', '-out', f('pl')]);
    const id = await validate('pl');
    assert.equal(id.dn, USER_DN);
    assert.equal(id.limited, true);
  });

  it('accepts a proxy of a proxy (-cert p -key p), and of a limited proxy as limited', async () => {
    run('grid-proxy-init', ['-q', '-cert', f('p'), '-key', f('p'), '-out', f('pp')]);
    assert.equal((await chainOf('pp')).length, 3);
    const id = await validate('pp');
    assert.equal(id.dn, USER_DN);
    assert.equal(id.proxyDepth, 2);
    run('grid-proxy-init', ['-q', '-cert', f('pl'), '-key', f('pl'), '-out', f('plp')]);
    assert.equal((await validate('plp')).limited, true);
  });

  it('honours -path-length of grid-proxy-init and voms-proxy-init', async () => {
    run('grid-proxy-init', ['-q', '-path-length', '1', '-out', f('pl1')]);
    run('grid-proxy-init', ['-q', '-cert', f('pl1'), '-key', f('pl1'), '-out', f('pl1c')]);
    run('grid-proxy-init', ['-q', '-cert', f('pl1c'), '-key', f('pl1c'), '-out', f('pl1cc')]);
    assert.equal((await validate('pl1c')).proxyDepth, 2);
    expectRefusal(() => validator.validate(parsePemSync(f('pl1cc'))), 'PATH_LENGTH_EXCEEDED');
  });

  it('refuses an expired grid-proxy-init proxy', async () => {
    run('grid-proxy-init', ['-q', '-valid', '0:1', '-out', f('short')]);
    const later = new ChainValidator({ trust: await TrustStore.load({ caDir }), now: () => new Date(Date.now() + 3600_000) });
    expectRefusal(() => later.validate(parsePemSync(f('short'))), 'CERT_EXPIRED');
  });

  it('refuses legacy (-old) and draft (-draft) proxies, full chain or leaf alone', async () => {
    for (const flag of ['-old', '-draft']) {
      const out = f(`legacy${flag}`);
      run('grid-proxy-init', ['-q', flag, '-out', out]);
      const chain = parsePemSync(out);
      const err = expectRefusal(() => validator.validate(chain), 'LEGACY_PROXY');
      assert.match(err.message, /grid-proxy-init -rfc/);
      expectRefusal(() => validator.validate(chain.slice(0, 1)), 'LEGACY_PROXY');
    }
  });

  it('refuses -independent proxies and unknown policy languages', async () => {
    run('grid-proxy-init', ['-q', '-independent', '-out', f('pi')]);
    expectRefusal(() => validator.validate(parsePemSync(f('pi'))), 'INDEPENDENT_PROXY');
    await writeFile(f('policy.txt'), 'anything\n');
    run('grid-proxy-init', ['-q', '-policy', f('policy.txt'), '-pl', '1.3.6.1.4.1.99999.7', '-out', f('punknown')]);
    expectRefusal(() => validator.validate(parsePemSync(f('punknown'))), 'UNKNOWN_PROXY_POLICY');
  });

  it('accepts voms-proxy-init -rfc without a VO (no VOMS extension: voms false)', skipUnless(VOMS, 'voms-proxy-init'), async () => {
    run('voms-proxy-init', ['-q', '-rfc', '-out', f('vp')]);
    const leaf = Certificate.fromPem(await readFile(f('vp'), 'utf8'))[0] as Certificate;
    assert.equal(leaf.extension(OID.vomsAc), undefined);
    assert.equal(leaf.proxy?.policyLanguage, OID.pplInheritAll);
    const id = await validate('vp');
    assert.equal(id.dn, USER_DN);
    assert.equal(id.voms, false);
    run('voms-proxy-init', ['-q', '-rfc', '-limited', '-out', f('vpl')]);
    assert.equal((await validate('vpl')).limited, true);
    run('voms-proxy-init', ['-q', '-rfc', '-path-length', '0', '-out', f('vp0')]);
    run('grid-proxy-init', ['-q', '-cert', f('vp0'), '-key', f('vp0'), '-out', f('vp0c')]);
    expectRefusal(() => validator.validate(parsePemSync(f('vp0c'))), 'PATH_LENGTH_EXCEEDED');
  });

  it('accepts a VOMS proxy with an attribute certificate (voms-proxy-fake) as voms', skipUnless(VOMS_FAKE, 'voms-proxy-fake'), async () => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('vomskey.pem'), '-out', f('voms.csr'), '-subj',
      '/DC=org/DC=Grid Test/CN=voms.example.org', '-config', f('ext.cnf')]);
    openssl(['x509', '-req', '-in', f('voms.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', '77', '-days', '10',
      '-out', f('vomscert.pem'), '-extfile', f('ext.cnf'), '-extensions', 'host']);
    run('voms-proxy-fake', ['-q', '-rfc', '-voms', 'testvo', '-hostcert', f('vomscert.pem'), '-hostkey', f('vomskey.pem'),
      '-uri', 'voms.example.org:15000', '-fqan', '/testvo/Role=NULL/Capability=NULL', '-out', f('vf')]);
    const leaf = Certificate.fromPem(await readFile(f('vf'), 'utf8'))[0] as Certificate;
    assert.ok(leaf.hasVomsAc);
    const id = await validate('vf');
    assert.equal(id.dn, USER_DN);
    assert.equal(id.voms, true);
  });
});

function parsePemSync(file: string): Buffer[] {
  return parsePem(readFileSync(file, 'utf8'));
}
