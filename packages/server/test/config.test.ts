/**
 * Configuration loading: embedded defaults, TOML file, REPOMAN_<SECTION>_<KEY> overrides with
 * coercion, unknown keys and sections, every problem reported at once, frozen results.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repoman-config-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function problemsOf(work: () => unknown): readonly string[] {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the configuration to be refused');
}

test('no config file gives the embedded default under ./var, resolved against the working directory', () => {
  const config = loadConfig({ env: {}, cwd: '/srv/repo' });
  assert.equal(config.server.data_dir, '/srv/repo/var');
  assert.equal(config.database.url, 'sqlite:/srv/repo/var/repoman.db');
  assert.equal(config.storage.driver, 'fs');
  assert.equal(config.storage.path, '/srv/repo/var/images');
  assert.equal(config.server.https_port, 8443);
  assert.equal(config.server.http_port, 0);
  assert.equal(config.server.host, '127.0.0.1', 'the development PKI listens on loopback');
  assert.equal(config.tls.cert, null);
  assert.equal(config.tls.crl, true);
  assert.deepEqual(config.admin.dns, []);
  assert.equal(config.limits.max_image_bytes, 0);
  assert.deepEqual(config.source, { file: null, tlsConfigured: false });
});

test('the loaded configuration is deeply frozen', () => {
  const config = loadConfig({ env: {}, cwd: dir });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.server));
  assert.ok(Object.isFrozen(config.admin.dns));
  assert.throws(() => {
    (config.server as { https_port: number }).https_port = 1;
  }, TypeError);
});

test('a TOML file sets keys; data_dir moves the derived database and image paths; tls counts as configured', async () => {
  const path = await file(
    'full.toml',
    `
[server]
host = "127.0.0.1"
https_port = 9443
http_port = 8080
public_url = "https://repo.example.org/"
data_dir = "data"

[tls]
cert = "/etc/grid-security/hostcert.pem"
key = "/etc/grid-security/hostkey.pem"
ca_dir = "/etc/grid-security/certificates"
ca_file = ""
crl = false

[storage]
driver = "s3"
endpoint = "http://127.0.0.1:7480"
bucket = "images"
force_path_style = true

[limits]
max_image_bytes = 107374182400

[admin]
dns = ["/C=CA/O=Grid/CN=Ada"]
`,
  );
  const config = loadConfig({ file: path, env: {}, cwd: dir });
  assert.equal(config.server.host, '127.0.0.1');
  assert.equal(config.server.https_port, 9443);
  assert.equal(config.server.http_port, 8080);
  assert.equal(config.server.public_url, 'https://repo.example.org');
  assert.equal(config.server.data_dir, join(dir, 'data'));
  assert.equal(config.database.url, `sqlite:${join(dir, 'data', 'repoman.db')}`);
  assert.equal(config.tls.ca_file, null);
  assert.equal(config.tls.crl, false);
  assert.equal(config.storage.driver, 's3');
  assert.equal(config.storage.bucket, 'images');
  assert.equal(config.storage.force_path_style, true);
  assert.equal(config.limits.max_image_bytes, 107374182400);
  assert.deepEqual(config.admin.dns, ['/C=CA/O=Grid/CN=Ada']);
  assert.deepEqual(config.source, { file: path, tlsConfigured: true });
});

test('$REPOMAN_CONFIG names the file when --config is not given, and --config wins over it', async () => {
  const a = await file('a.toml', '[server]\nhttps_port = 1111\n');
  const b = await file('b.toml', '[server]\nhttps_port = 2222\n');
  assert.equal(loadConfig({ env: { REPOMAN_CONFIG: a }, cwd: dir }).server.https_port, 1111);
  assert.equal(loadConfig({ file: b, env: { REPOMAN_CONFIG: a }, cwd: dir }).server.https_port, 2222);
});

test('REPOMAN_<SECTION>_<KEY> overrides the file, coercing numbers, booleans and lists', async () => {
  const path = await file('env.toml', '[server]\nhttps_port = 1111\n[tls]\ncrl = true\n');
  const config = loadConfig({
    file: path,
    cwd: dir,
    env: {
      REPOMAN_SERVER_HTTPS_PORT: '9999',
      REPOMAN_TLS_CRL: 'no',
      REPOMAN_TLS_CA_DIR: 'cas',
      REPOMAN_ADMIN_DNS: '["/O=Grid/CN=A, B", "/O=Grid/CN=C"]',
      REPOMAN_STORAGE_FORCE_PATH_STYLE: 'true',
      REPOMAN_DATABASE_URL: 'sqlite:db/meta.db',
      REPOMAN_SERVER: 'repo.example.org',
      REPOMAN_CLIENT_CONFIG: '/tmp/whatever',
    },
  });
  assert.equal(config.server.https_port, 9999);
  assert.equal(config.tls.crl, false);
  assert.equal(config.tls.ca_dir, join(dir, 'cas'));
  assert.deepEqual(config.admin.dns, ['/O=Grid/CN=A, B', '/O=Grid/CN=C']);
  assert.equal(config.storage.force_path_style, true);
  assert.equal(config.database.url, `sqlite:${join(dir, 'db', 'meta.db')}`);
  const commas = loadConfig({ cwd: dir, env: { REPOMAN_ADMIN_DNS: '/O=Grid/CN=A , /O=Grid/CN=B' } });
  assert.deepEqual(commas.admin.dns, ['/O=Grid/CN=A', '/O=Grid/CN=B']);
});

test('an unknown key or section in the file is refused, naming it', async () => {
  const path = await file('unknown.toml', '[server]\nhttps_prot = 1\n[frobnicate]\nx = 1\n');
  const problems = problemsOf(() => loadConfig({ file: path, env: {}, cwd: dir }));
  assert.ok(problems.some((p) => p.startsWith('server.https_prot: unknown key')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('[frobnicate]: unknown section')), problems.join('\n'));
});

test('an unknown key in a known section of the environment is refused', () => {
  const problems = problemsOf(() => loadConfig({ env: { REPOMAN_TLS_CA_DIRECTORY: '/x' }, cwd: dir }));
  assert.deepEqual(problems, ['REPOMAN_TLS_CA_DIRECTORY: unknown key "ca_directory" in section [tls]']);
});

test('every problem is reported at once, each naming its key and the bad value', async () => {
  const path = await file(
    'many.toml',
    `
[server]
https_port = "x"
http_port = 70000
[tls]
cert = "/only/the/cert.pem"
crl = "yes"
[storage]
driver = "tape"
[database]
url = "mysql://db"
[admin]
dns = "not a list"
`,
  );
  const problems = problemsOf(() =>
    loadConfig({ file: path, env: { REPOMAN_LIMITS_MAX_IMAGE_BYTES: '-5' }, cwd: dir }),
  );
  const expected = [
    'server.https_port: expected an integer 0..65535, got "x"',
    'server.http_port: expected an integer 0..65535, got 70000',
    'tls.crl: expected a boolean, got "yes"',
    'storage.driver: expected one of "fs", "s3", got "tape"',
    'admin.dns: expected a list of strings, got "not a list"',
    'limits.max_image_bytes (from REPOMAN_LIMITS_MAX_IMAGE_BYTES): expected an integer >= 0, got "-5"',
    'tls.key: required when tls.cert is set',
    'database.url: expected sqlite:PATH or postgres://…, got "mysql://db"',
  ];
  for (const problem of expected) assert.ok(problems.includes(problem), `missing "${problem}" in:\n${problems.join('\n')}`);
  assert.equal(problems.length, expected.length, problems.join('\n'));
});

test('a missing config file and invalid TOML are reported as problems, not crashes', async () => {
  const missing = problemsOf(() => loadConfig({ file: join(dir, 'nope.toml'), env: {}, cwd: dir }));
  assert.match(missing[0] ?? '', /nope\.toml: cannot read the configuration file \(no such file\)/);
  const broken = await file('broken.toml', '[server\nhttps_port = ');
  const invalid = problemsOf(() => loadConfig({ file: broken, env: {}, cwd: dir }));
  assert.match(invalid[0] ?? '', /broken\.toml:1:\d+: not valid TOML/);
});

test('a TOML syntax error is reported as FILE:LINE:COLUMN: message', async () => {
  const broken = await file('unterminated.toml', '[server]\nhttps_port = 9443\nhost = "127.0.0.1\n');
  const problems = problemsOf(() => loadConfig({ file: broken, env: {}, cwd: dir }));
  assert.deepEqual(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: not valid TOML: \\S`));
});

test('server.host: 127.0.0.1 on the development PKI unless set; 0.0.0.0 when [tls] is given', async () => {
  assert.equal(loadConfig({ env: {}, cwd: dir }).server.host, '127.0.0.1');
  assert.equal(loadConfig({ env: { REPOMAN_SERVER_HOST: '0.0.0.0' }, cwd: dir }).server.host, '0.0.0.0');
  const explicit = await file('host.toml', '[server]\nhost = "::"\n');
  assert.equal(loadConfig({ file: explicit, env: {}, cwd: dir }).server.host, '::');
  const tls = await file('tls.toml', '[tls]\ncert = "/h.pem"\nkey = "/k.pem"\n');
  assert.equal(loadConfig({ file: tls, env: {}, cwd: dir }).server.host, '0.0.0.0');
});

test('with checkPaths, every missing file and uncreatable directory is reported at once', async () => {
  const toml = await file('missing.toml', [
    '[server]', `data_dir = ${JSON.stringify(join(dir, 'nowhere', 'var'))}`,
    '[tls]', `cert = ${JSON.stringify(join(dir, 'hostcert.pem'))}`, `key = ${JSON.stringify(join(dir, 'hostkey.pem'))}`,
    `ca_dir = ${JSON.stringify(join(dir, 'certificates'))}`, `ca_file = ${JSON.stringify(join(dir, 'ca.pem'))}`,
    '[storage]', `path = ${JSON.stringify(join(dir, 'gone', 'images'))}`, '',
  ].join('\n'));
  assert.ok(loadConfig({ file: toml, env: {}, cwd: dir }), 'not checked unless asked');
  const problems = problemsOf(() => loadConfig({ file: toml, env: { REPOMAN_SERVER_HTTPS_PORT: 'x' }, cwd: dir, checkPaths: true }));
  const expected = [
    /^server\.https_port \(from REPOMAN_SERVER_HTTPS_PORT\)/,
    /^tls\.cert: .*hostcert\.pem does not exist$/,
    /^tls\.key: .*hostkey\.pem does not exist$/,
    /^tls\.ca_dir: .*certificates does not exist$/,
    /^tls\.ca_file: .*ca\.pem does not exist$/,
    /^server\.data_dir: .*nowhere\/var cannot be created: .*nowhere does not exist$/,
    /^storage\.path: .*gone\/images cannot be created: .*gone does not exist$/,
  ];
  for (const pattern of expected) assert.ok(problems.some((p) => pattern.test(p)), `missing ${pattern} in:\n${problems.join('\n')}`);
  assert.equal(problems.length, expected.length, problems.join('\n'));
  // A file where a directory belongs, and a directory where a file belongs.
  const wrongKinds = await file('kinds.toml', `[tls]\ncert = ${JSON.stringify(dir)}\nkey = ${JSON.stringify(toml)}\nca_dir = ${JSON.stringify(toml)}\n`);
  const kinds = problemsOf(() => loadConfig({ file: wrongKinds, env: {}, cwd: dir, checkPaths: true }));
  assert.deepEqual(kinds, [`tls.cert: ${dir} is not a file`, `tls.ca_dir: ${toml} is not a directory`]);
});

test('with checkPaths, the embedded default in a fresh directory passes (data_dir and what is under it are made)', () => {
  assert.equal(loadConfig({ env: {}, cwd: dir, checkPaths: true }).server.data_dir, join(dir, 'var'));
});

test('the s3 driver requires a bucket', () => {
  const problems = problemsOf(() => loadConfig({ env: { REPOMAN_STORAGE_DRIVER: 's3' }, cwd: dir }));
  assert.deepEqual(problems, ['storage.bucket: required when storage.driver is "s3"']);
});
