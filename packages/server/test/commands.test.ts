/**
 * The repoman-server commands, run as real processes in a temp working directory:
 * check-config (ok, or every problem and exit 1, missing files included), serve refusing
 * before it creates anything, init (private modes), migrate, admin add (idempotent; another
 * DN only with --replace-dn), admin list, admin remove (never the last admin), usage errors
 * (exit 2), --help of every command and --version.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { openMetadata } from '../src/metadata/open-metadata.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repoman-commands-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REPOMAN_')));
  const result = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: dir,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('check-config prints "ok" and exits 0 for the embedded default', () => {
  const result = run(['check-config']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'ok\n');
});

test('check-config prints every problem and exits 1', async () => {
  const file = join(dir, 'bad.toml');
  await writeFile(file, '[server]\nhttps_port = "x"\nbogus = 1\n');
  const result = run(['check-config', '--config', file], { REPOMAN_TLS_CRL: 'perhaps' });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /server\.https_port: expected an integer 0\.\.65535, got "x"/);
  assert.match(result.stderr, /server\.bogus: unknown key/);
  assert.match(result.stderr, /tls\.crl \(from REPOMAN_TLS_CRL\): expected a boolean, got "perhaps"/);
  assert.doesNotMatch(result.stderr, /at .*\.ts/, 'no stack trace');
});

test('check-config reports a vomsdir it cannot use: missing, not a directory, or with a file the server would skip', async () => {
  const missing = run(['check-config'], { REPOMAN_VOMS_VOMSDIR: join(dir, 'no-vomsdir') });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /voms\.vomsdir: .*no-vomsdir does not exist/);
  const file = join(dir, 'vomsdir-file');
  await writeFile(file, 'not a directory');
  const notDir = run(['check-config'], { REPOMAN_VOMS_VOMSDIR: file });
  assert.equal(notDir.code, 1);
  assert.match(notDir.stderr, /voms\.vomsdir: .*vomsdir-file is not a directory/);
  const vomsdir = join(dir, 'vomsdir');
  await mkdir(join(vomsdir, 'atlas'), { recursive: true });
  await writeFile(join(vomsdir, 'atlas', 'voms.cern.ch.pem'), 'no certificate here\n');
  const skipped = run(['check-config'], { REPOMAN_VOMS_VOMSDIR: vomsdir });
  assert.equal(skipped.code, 1);
  assert.match(skipped.stderr, /voms\.vomsdir: .*atlas\/voms\.cern\.ch\.pem skipped/);
  await writeFile(join(vomsdir, 'atlas', 'voms.cern.ch.lsc'), '/DC=ch/DC=cern/CN=voms.cern.ch\n/DC=ch/DC=cern/CN=CERN Grid CA\n');
  await rm(join(vomsdir, 'atlas', 'voms.cern.ch.pem'));
  const good = run(['check-config'], { REPOMAN_VOMS_VOMSDIR: vomsdir });
  assert.equal(good.code, 0, good.stderr);
});

test('check-config reads $REPOMAN_CONFIG', async () => {
  const file = join(dir, 'env.toml');
  await writeFile(file, '[frob]\n');
  const result = run(['check-config'], { REPOMAN_CONFIG: file });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /\[frob\]: unknown section/);
});

test('check-config reports every missing file at once, and serve refuses with them before creating anything', async () => {
  const file = join(dir, 'missing.toml');
  const data = join(dir, 'site-data');
  await writeFile(file, [
    '[server]', `data_dir = ${JSON.stringify(data)}`,
    '[tls]', 'cert = "/nonexistent/hostcert.pem"', 'key = "/nonexistent/hostkey.pem"', 'ca_dir = "/nonexistent/certificates"',
    '[storage]', 'path = "/nonexistent/images"', '',
  ].join('\n'));
  const expected = [
    'tls.cert: /nonexistent/hostcert.pem does not exist',
    'tls.key: /nonexistent/hostkey.pem does not exist',
    'tls.ca_dir: /nonexistent/certificates does not exist',
    'storage.path: /nonexistent/images cannot be created: /nonexistent does not exist',
  ];
  const check = run(['check-config', '--config', file]);
  assert.equal(check.code, 1);
  assert.equal(check.stdout, '');
  for (const problem of expected) assert.ok(check.stderr.includes(`  - ${problem}\n`), `missing "${problem}" in:\n${check.stderr}`);
  for (const command of [['serve'], ['init']]) {
    const refused = run([...command, '--config', file]);
    assert.equal(refused.code, 1, refused.stderr);
    for (const problem of expected) assert.ok(refused.stderr.includes(problem), `${command[0]}: missing "${problem}" in:\n${refused.stderr}`);
    assert.equal(existsSync(data), false, `${command[0]} created nothing`);
  }
});

test('check-config gives a TOML syntax error as FILE:LINE:COLUMN', async () => {
  const file = join(dir, 'syntax.toml');
  await writeFile(file, '[server]\nhttps_port = 8443\nhost = 127.0.0.1\n');
  const result = run(['check-config', '--config', file]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`  - ${file}:3:\\d+: not valid TOML: `));
});

test('init creates the data directory, the image directory and a migrated database, private to this user', async () => {
  const result = run(['init']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok((await stat(join(dir, 'var', 'images'))).isDirectory());
  assert.ok((await stat(join(dir, 'var', 'repoman.db'))).isFile());
  assert.match(result.stdout, /applied 0001-foundation/);
  const modeOf = async (path: string): Promise<string> => ((await stat(join(dir, path))).mode & 0o777).toString(8);
  assert.deepEqual(
    { var: await modeOf('var'), images: await modeOf('var/images'), db: await modeOf('var/repoman.db') },
    { var: '700', images: '700', db: '600' },
  );
});

test('migrate on an up-to-date database says so', () => {
  const result = run(['migrate']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'database schema is up to date\n');
});

test('admin add registers the user in admins, and running it twice changes nothing', async () => {
  const dn = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir';
  const first = run(['admin', 'add', '--user', 'doug', '--dn', dn]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /doug .*registered and added to admins/);
  const second = run(['admin', 'add', '--user', 'doug', '--dn', dn]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /already an admin/);
  const metadata = openMetadata(`sqlite:${join(dir, 'var', 'repoman.db')}`);
  try {
    const users = await metadata.users.list();
    assert.deepEqual(users.map((u) => [u.name, u.clientDn]), [['doug', dn]]);
    assert.deepEqual((await metadata.groups.groupNamesOf([users[0]!.id])).get(users[0]!.id), ['admins', 'users']);
  } finally {
    await metadata.close();
  }
});

test('admin add refuses another DN for an existing user unless --replace-dn, naming the flag', async () => {
  const dn = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir';
  const newDn = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Douglas Fir';
  const refused = run(['admin', 'add', '--user', 'doug', '--dn', newDn]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /user doug is registered with the DN .*CN=Doug Fir; nothing changed\. .*--replace-dn/);
  assert.match(run(['admin', 'list']).stdout, /^doug {2}.*CN=Doug Fir$/m, 'the DN is unchanged');
  const replaced = run(['admin', 'add', '--user', 'doug', '--dn', newDn, '--replace-dn']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.match(replaced.stdout, /doug \(.*CN=Douglas Fir\): DN replaced/);
  const back = run(['admin', 'add', '--user', 'doug', '--dn', dn, '--replace-dn']);
  assert.equal(back.code, 0, back.stderr);
});

test('admin list shows the admins with their DNs; admin remove takes one out but never the last', () => {
  const dn = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir';
  assert.equal(run(['admin', 'list']).stdout, `doug  ${dn}\n`);
  const last = run(['admin', 'remove', '--user', 'doug']);
  assert.equal(last.code, 1);
  assert.match(last.stderr, /doug is the last admin; make another user an admin first/);
  assert.equal(run(['admin', 'add', '--user', 'ada', '--dn', '/O=Grid/CN=Ada']).code, 0);
  assert.equal(run(['admin', 'list']).stdout, `ada   /O=Grid/CN=Ada\ndoug  ${dn}\n`);
  const removed = run(['admin', 'remove', '--user', 'doug']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.stdout, 'doug: removed from admins\n');
  assert.equal(run(['admin', 'list']).stdout, 'ada  /O=Grid/CN=Ada\n');
  assert.equal(run(['admin', 'remove', '--user', 'doug']).stdout, 'doug: not an admin\n');
  const unknown = run(['admin', 'remove', '--user', 'nobody']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no user nobody/);
  assert.equal(run(['admin', 'remove']).code, 2, '--user is required');
  assert.equal(run(['admin', 'add', '--user', 'doug', '--dn', dn]).code, 0, 'doug is an admin again for the tests below');
});

test('admin add refuses a DN registered to another user, and bad names, with exit 1', () => {
  const taken = run(['admin', 'add', '--user', 'other', '--dn', '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir']);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /already registered to user doug/);
  const badName = run(['admin', 'add', '--user', 'Raw', '--dn', '/O=Grid/CN=X']);
  assert.equal(badName.code, 1);
  assert.match(badName.stderr, /invalid user name/);
});

test('usage mistakes exit 2: missing admin add options, unknown command, unknown option', () => {
  assert.equal(run(['admin', 'add', '--user', 'x']).code, 2);
  assert.equal(run(['frobnicate']).code, 2);
  const unknownOption = run(['check-config', '--verbose']);
  assert.equal(unknownOption.code, 2);
  assert.match(unknownOption.stderr, /Usage: repoman-server check-config/);
});

test('--help lists the commands; COMMAND --help shows its usage and every option; admin --help the admin commands', () => {
  const help = run(['--help']);
  assert.equal(help.code, 0);
  const commands = ['serve', 'init', 'migrate', 'check-config', 'admin add', 'admin list', 'admin remove'];
  for (const command of commands) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
  const options: Record<string, string[]> = { 'admin add': ['--user NAME', '--dn DN', '--replace-dn'], 'admin remove': ['--user NAME'] };
  for (const command of commands) {
    const commandHelp = run([...command.split(' '), '--help']);
    assert.equal(commandHelp.code, 0, command);
    assert.match(commandHelp.stdout, new RegExp(`^Usage: repoman-server ${command}`), command);
    for (const option of [...(options[command] ?? []), '--config FILE', '-h, --help']) {
      assert.match(commandHelp.stdout, new RegExp(`^  ${option} +\\S`, 'm'), `${command} --help lists ${option}`);
    }
  }
  const adminHelp = run(['admin', '--help']);
  assert.equal(adminHelp.code, 0);
  for (const command of ['admin add', 'admin list', 'admin remove']) assert.match(adminHelp.stdout, new RegExp(`^  ${command} `, 'm'));
  const bare = run(['admin']);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /admin remove/);
});

test('--version prints the package version', () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const result = run(['--version']);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, `repoman-server ${version}\n`);
});
