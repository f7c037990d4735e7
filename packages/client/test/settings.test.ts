// Where settings come from (SPEC §4): config files in order, REPOMAN_SERVER, flags; the proxy
// from --proxy, config, $X509_USER_PROXY, /tmp/x509up_u<uid>; the CAs; server spellings.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfigText } from '../src/config/config-files.js';
import { parseServer } from '../src/config/server-url.js';
import { resolveSettings } from '../src/config/settings.js';

describe('client settings', () => {
  let dir: string;
  let home: string;
  let extra: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repoman-settings-'));
    home = join(dir, 'home');
    await mkdir(join(home, '.repoman'), { recursive: true });
    extra = join(dir, 'extra.conf');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const settings = (env: NodeJS.ProcessEnv = {}, flags = {}) => resolveSettings(flags, { env, home, uid: 1234 });

  it('reads $REPOMAN_CLIENT_CONFIG, then ~/.repoman/repoman.conf over it, key by key', async () => {
    await writeFile(extra, '[Repository]\nrepository = extra.example.org\nport = 9000\nca_dir = /extra/ca\n[User]\nproxy_cert = /extra/proxy\n');
    await writeFile(join(home, '.repoman', 'repoman.conf'), '[Repository]\nrepository = home.example.org\n');
    const result = settings({ REPOMAN_CLIENT_CONFIG: extra });
    assert.deepEqual(result.configFiles, [extra, join(home, '.repoman', 'repoman.conf')]);
    assert.equal(result.server?.value.href, 'https://home.example.org:9000/');
    assert.equal(result.server?.source, 'config');
    assert.equal(result.proxy.value, '/extra/proxy');
    assert.equal(result.caDir?.value, '/extra/ca');
  });

  it('REPOMAN_SERVER overrides the config files, --server overrides both', () => {
    assert.equal(settings({ REPOMAN_CLIENT_CONFIG: extra, REPOMAN_SERVER: 'env.example.org' }).server?.value.href, 'https://env.example.org:8443/');
    const flagged = settings({ REPOMAN_SERVER: 'env.example.org' }, { server: 'https://flag.example.org/repo' });
    assert.equal(flagged.server?.value.href, 'https://flag.example.org/repo');
    assert.equal(flagged.server?.source, '--server');
  });

  it('takes the proxy from --proxy, then config, then $X509_USER_PROXY, then /tmp/x509up_u<uid>', async () => {
    await writeFile(join(home, '.repoman', 'repoman.conf'), '');
    assert.equal(settings({}).proxy.value, '/tmp/x509up_u1234');
    assert.equal(settings({ X509_USER_PROXY: '/env/proxy' }).proxy.value, '/env/proxy');
    assert.equal(settings({ X509_USER_PROXY: '/env/proxy', REPOMAN_CLIENT_CONFIG: extra }).proxy.value, '/extra/proxy');
    assert.equal(settings({ X509_USER_PROXY: '/env/proxy', REPOMAN_CLIENT_CONFIG: extra }, { proxy: '/flag/proxy' }).proxy.value, '/flag/proxy');
  });

  it('verifies the server with --ca-dir/--ca-file, then config, then $X509_CERT_DIR', () => {
    assert.equal(settings({ X509_CERT_DIR: '/env/ca' }).caDir?.value, '/env/ca');
    assert.equal(settings({ X509_CERT_DIR: '/env/ca', REPOMAN_CLIENT_CONFIG: extra }).caDir?.value, '/extra/ca');
    const flagged = settings({ X509_CERT_DIR: '/env/ca' }, { caFile: '/flag/ca.pem' });
    assert.equal(flagged.caFile?.value, '/flag/ca.pem');
    assert.equal(flagged.caDir, undefined);
    assert.equal(settings({}).insecure, false, 'verification is never off by default');
  });

  it('reads the 2011 `key: value` spelling and the [ThisImage] keys, case-insensitively', () => {
    assert.deepEqual(parseConfigText('[repository]\nRepository: old.example.org\nport: 443\n[ThisImage]\nsnapshot_dir = /mnt\nuser_excludes = /root/.ssh /home\n[Other]\nx = 1\n'), {
      repository: 'old.example.org', port: '443', snapshotDir: '/mnt', userExcludes: '/root/.ssh /home',
    });
  });

  describe('server spellings', () => {
    const table: Array<[string, string]> = [
      ['repo.example.org', 'https://repo.example.org:8443/'],
      ['repo.example.org:9443', 'https://repo.example.org:9443/'],
      ['localhost:443', 'https://localhost/'],
      ['[::1]:8443', 'https://[::1]:8443/'],
      ['[::1]', 'https://[::1]:8443/'],
      ['https://repo.example.org', 'https://repo.example.org/'],
      ['https://repo.example.org:8443/prefix', 'https://repo.example.org:8443/prefix'],
    ];
    for (const [text, url] of table) it(`${text} → ${url}`, () => assert.equal(parseServer(text).href, url));
    it('refuses plain http and nonsense', () => {
      assert.throws(() => parseServer('http://repo.example.org'), /HTTPS only/);
      assert.throws(() => parseServer('repo.example.org/path'), /not a server/);
      assert.throws(() => parseServer(''), /empty/);
    });
  });
});
