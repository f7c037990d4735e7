/**
 * The repoman-server commands with `database.url = "postgres://…"`, run as real processes
 * against a throwaway PostgreSQL cluster: init, migrate, admin add and check-config work and
 * never print the URL's password; an unreachable server or a missing database is one line on
 * standard error and exit 1 from every command, never a stack trace. Skipped only when
 * PostgreSQL is not installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { openMetadata } from '../src/metadata/open-metadata.js';
import { POSTGRES_PACKAGES, startPostgres } from './helpers/test-services.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const SECRET = 's3cret-pw';

const postgres = await startPostgres();
const skip = postgres === null ? `PostgreSQL is not installed (apt-get install ${POSTGRES_PACKAGES})` : false;

let dir: string;
/** The cluster's URL for database `name`, with a password (ignored by trust authentication) to be kept out of output. */
let urlOf: (name: string) => string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repoman-commands-postgres-'));
  if (postgres === null) return;
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('create database repoman');
  await admin.end();
  urlOf = (name) => {
    const url = new URL(postgres.url);
    url.password = SECRET;
    url.pathname = `/${name}`;
    return url.toString();
  };
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await postgres?.stop();
});

function run(args: string[], databaseUrl: string) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REPOMAN_')));
  const result = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: dir,
    env: { ...clean, REPOMAN_DATABASE_URL: databaseUrl },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.doesNotMatch(result.stdout + result.stderr, new RegExp(SECRET), 'the password is never printed');
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('init, migrate, admin add and check-config work on a PostgreSQL database', { skip }, async () => {
  const url = urlOf('repoman');
  const init = run(['init'], url);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /database: postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/repoman \(applied 0001-foundation, 0002-byte-order-names, 0003-voms-groups(, [\w-]+)*\)/);
  const migrate = run(['migrate'], url);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.equal(migrate.stdout, 'database schema is up to date\n');
  const dn = '/DC=org/DC=repoman-test/CN=Doug Fir';
  const add = run(['admin', 'add', '--user', 'doug', '--dn', dn], url);
  assert.equal(add.code, 0, add.stderr);
  const check = run(['check-config'], url);
  assert.equal(check.code, 0, check.stderr);
  assert.equal(check.stdout, 'ok\n');
  const metadata = openMetadata(url);
  try {
    const [doug] = await metadata.users.list();
    assert.equal(doug?.clientDn, dn);
    assert.deepEqual((await metadata.groups.groupNamesOf([doug.id])).get(doug.id), ['admins', 'users']);
  } finally {
    await metadata.close();
  }
});

test('an unreachable PostgreSQL server is one line and exit 1 from every command', { skip }, () => {
  const url = `postgres://repoman:${SECRET}@127.0.0.1:1/repoman`;
  for (const args of [['check-config'], ['init'], ['migrate'], ['admin', 'add', '--user', 'doug', '--dn', '/O=Grid/CN=Doug'], ['serve']]) {
    const result = run(args, url);
    assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')} printed one line: ${result.stderr}`);
    assert.match(lines[0]!, /^repoman-server: .*cannot connect to the database postgres:\/\/repoman:\*\*\*@127\.0\.0\.1:1\/repoman: connect ECONNREFUSED 127\.0\.0\.1:1$/);
  }
});

test('check-config names a database that does not exist', { skip }, () => {
  const result = run(['check-config'], urlOf('nope'));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^repoman-server: database\.url: cannot connect to the database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/nope: database "nope" does not exist\n$/);
});
