/**
 * The repoman-server commands, run as real processes in a temp working directory:
 * check-config (ok, or every problem and exit 1), init, migrate, admin add (idempotent),
 * usage errors (exit 2) and --help.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
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

test('check-config reads $REPOMAN_CONFIG', async () => {
  const file = join(dir, 'env.toml');
  await writeFile(file, '[frob]\n');
  const result = run(['check-config'], { REPOMAN_CONFIG: file });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /\[frob\]: unknown section/);
});

test('init creates the data directory, the image directory and a migrated database', async () => {
  const result = run(['init']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok((await stat(join(dir, 'var', 'images'))).isDirectory());
  assert.ok((await stat(join(dir, 'var', 'repoman.db'))).isFile());
  assert.match(result.stdout, /applied 0001-foundation/);
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

test('--help lists the commands; COMMAND --help shows its usage', () => {
  const help = run(['--help']);
  assert.equal(help.code, 0);
  for (const command of ['serve', 'init', 'migrate', 'check-config', 'admin add']) assert.match(help.stdout, new RegExp(command));
  const adminHelp = run(['admin', 'add', '--help']);
  assert.equal(adminHelp.code, 0);
  assert.match(adminHelp.stdout, /admin add --user NAME --dn DN/);
});
