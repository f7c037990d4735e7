/**
 * The serve command in-process, with the TLS layer's startServer replaced by a recorder: it
 * migrates, applies `[admin] dns` (naming new users from their last CN), hands startServer an
 * app factory whose apps serve the API, and closes everything on shutdown.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServeCommand } from '../src/commands/serve.js';
import type { CommandContext } from '../src/commands/command-context.js';
import { openMetadata } from '../src/metadata/open-metadata.js';
import type { StartServerOptions } from '../src/tls/start-server.js';
import { userNameFromDn } from '../src/services/admin-bootstrap.js';
import { createBlobStore } from '../src/storage/index.js';

test('user names made from [admin] dns come from the last CN', () => {
  assert.equal(userNameFromDn('/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir'), 'doug-fir');
  assert.equal(userNameFromDn('/C=CA/O=Grid/CN=Émile Zoé'), 'emile-zoe');
  assert.equal(userNameFromDn('/C=CA/O=Grid'), 'admin');
  assert.equal(userNameFromDn('/O=Grid/CN=api'), 'admin');
});

test('serve migrates, applies [admin] dns, starts the listeners with a working app factory, and stops on a signal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'repoman-serve-test-'));
  const dn = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir';
  let stop!: (signal: string) => void;
  const stderr: string[] = [];
  const stdout: string[] = [];
  const context: CommandContext = {
    env: { REPOMAN_ADMIN_DNS: JSON.stringify([dn]) },
    cwd: dir,
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text) },
    waitForShutdown: () => new Promise((resolve) => (stop = resolve)),
  };
  let closed = false;
  let whoami: unknown;
  const command = createServeCommand({
    async startServer(options: StartServerOptions) {
      const app = options.makeApp({ identify: async () => ({ dn, limited: false }), plainHttp: false });
      whoami = (await app.inject({ method: 'GET', url: '/api/whoami' })).json();
      await app.close();
      setImmediate(() => stop('SIGTERM'));
      return { urls: ['https://127.0.0.1:0'], close: async () => void (closed = true) };
    },
  });
  try {
    const code = await command.run({}, context, undefined);
    assert.equal(code, 0, stderr.join(''));
    assert.equal(closed, true);
    assert.deepEqual((whoami as { user_name: string; groups: string[] }).user_name, 'doug-fir');
    assert.deepEqual((whoami as { groups: string[] }).groups, ['admins', 'users']);
    assert.match(stderr.join(''), /registered admin doug-fir/);
    assert.ok(stdout.some((line) => JSON.parse(line).path === '/api/whoami'), 'the request log goes to stdout');
    const metadata = openMetadata(`sqlite:${join(dir, 'var', 'repoman.db')}`);
    try {
      assert.equal((await metadata.users.findByDn(dn))?.name, 'doug-fir');
    } finally {
      await metadata.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('serve exits 1 with the problems when the configuration is invalid', async () => {
  const stderr: string[] = [];
  const command = createServeCommand({ startServer: () => assert.fail('must not start') });
  const code = await command.run({}, {
    env: { REPOMAN_SERVER_HTTPS_PORT: 'x' },
    cwd: tmpdir(),
    stdout: { write: () => true },
    stderr: { write: (text: string) => stderr.push(text) },
    waitForShutdown: () => new Promise(() => {}),
  }, undefined);
  assert.equal(code, 1);
  assert.match(stderr.join(''), /server\.https_port/);
});

test('on SIGTERM serve closes the listeners first (requests in flight finish), then the database and the blob store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'repoman-serve-test-'));
  let stop!: (signal: string) => void;
  const stderr: string[] = [];
  const events: string[] = [];
  const command = createServeCommand({
    async startServer(_options: StartServerOptions) {
      events.push('listening');
      setImmediate(() => stop('SIGTERM'));
      return { urls: ['https://127.0.0.1:0'], close: async () => void events.push('listeners closed') };
    },
    async openBlobStore(config) {
      const store = await createBlobStore(config);
      const close = store.close.bind(store);
      store.close = async () => {
        events.push('blob store closed');
        await close();
      };
      return store;
    },
  });
  try {
    const code = await command.run({}, {
      env: {},
      cwd: dir,
      stdout: { write: () => true },
      stderr: { write: (text: string) => stderr.push(text) },
      waitForShutdown: () => new Promise((resolve) => (stop = resolve)),
    }, undefined);
    assert.equal(code, 0, stderr.join(''));
    assert.deepEqual(events, ['listening', 'listeners closed', 'blob store closed']);
    assert.match(stderr.join(''), /SIGTERM, stopping/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
