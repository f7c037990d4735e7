// The newcomer's path (SPEC §5, README's first command): `repoman-server` with no configuration
// at all, in an empty directory, makes ./var (SQLite database, image directory, development PKI
// with an RFC 3820 proxy of a registered admin) and prints lines that work exactly as printed.
// Its keys and database are private to the server's user, and it answers on loopback only.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/repository-process.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

describe('the embedded default, started with no configuration', () => {
  let cwd: string;
  let server: ChildProcess;
  let printed = '';
  let log = '';
  let port: number;
  let httpPort: number;

  const start = async (): Promise<void> => {
    printed = '';
    log = '';
    const ports = { REPOMAN_SERVER_HTTPS_PORT: String(port), REPOMAN_SERVER_HTTP_PORT: String(httpPort) };
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('REPOMAN_')) delete env[key];
    Object.assign(env, ports);
    server = spawn(process.execPath, [CLI], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`no start in 30 s:\n${printed}`)), 30_000);
      server.stderr?.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (/curl .*\/api\/whoami/.test(printed)) {
          clearTimeout(timer);
          ready();
        }
      });
      server.once('exit', (code) => fail(new Error(`exited with ${code}:\n${printed}`)));
    });
  };
  const stop = async (): Promise<void> => {
    if (server.exitCode !== null) return;
    await new Promise((done) => {
      server.once('exit', done);
      server.kill('SIGTERM');
    });
  };
  /** Runs the printed export and curl lines in a shell, as a newcomer pastes them. */
  const pasteAndRun = (): ReturnType<typeof spawnSync> => {
    const lines = printed.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('export ') || line.startsWith('curl '));
    assert.equal(lines.length, 2, `one export line and one curl line:\n${printed}`);
    return spawnSync('sh', ['-c', `${lines.join('\n')} -sS`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  };

  before(async () => {
    // A space and a quote in the path: the printed lines must still paste as they are.
    cwd = await mkdtemp(join(tmpdir(), "repoman newcomer's-"));
    port = await freePort();
    httpPort = await freePort();
    await start();
  });
  after(async () => {
    await stop();
    await rm(cwd, { recursive: true, force: true });
  });

  it('creates ./var with the database, the image directory and a grid-style development PKI', async () => {
    for (const path of ['var/repoman.db', 'var/images', 'var/pki/certificates', 'var/pki/hostcert.pem', 'var/pki/admin/proxy.pem']) {
      assert.ok(existsSync(join(cwd, path)), `${path} exists`);
    }
    const hashed = (await readdir(join(cwd, 'var/pki/certificates'))).join('\n');
    assert.match(hashed, /^[0-9a-f]{8}\.0$/m);
    assert.match(hashed, /^[0-9a-f]{8}\.signing_policy$/m);
  });

  it('keeps the data directory, the PKI directories, the private keys and the database private to its user', async () => {
    const modeOf = async (path: string): Promise<string> => ((await stat(join(cwd, path))).mode & 0o777).toString(8);
    const expected: Record<string, string> = {
      var: '700', 'var/pki': '700', 'var/pki/ca': '700', 'var/pki/admin': '700', 'var/pki/certificates': '700',
      'var/pki/ca/cakey.pem': '600', 'var/pki/hostkey.pem': '600', 'var/pki/admin/userkey.pem': '600', 'var/pki/admin/proxy.pem': '600',
      // The -wal and -shm files exist while the server runs.
      'var/repoman.db': '600', 'var/repoman.db-wal': '600', 'var/repoman.db-shm': '600',
    };
    const actual: Record<string, string> = {};
    for (const path of Object.keys(expected)) actual[path] = await modeOf(path);
    assert.deepEqual(actual, expected);
  });

  it('listens on 127.0.0.1 only, and logs https:// for its TLS port and http:// for the plain one', async () => {
    assert.match(printed, new RegExp(`listening on https://127\\.0\\.0\\.1:${port} and http://127\\.0\\.0\\.1:${httpPort}\\n`));
    const listening = log.split('\n').filter((line) => line.includes('Server listening at'));
    assert.deepEqual(listening.map((line) => (JSON.parse(line) as { msg: string }).msg), [
      `Server listening at https://127.0.0.1:${port}`,
      `Server listening at http://127.0.0.1:${httpPort}`,
    ]);
    // Another address of this machine (when it has one) is refused: nothing listens there.
    const other = Object.values(networkInterfaces()).flat().find((address) => address && !address.internal && address.family === 'IPv4');
    if (other === undefined) return;
    for (const listener of [port, httpPort]) {
      const outcome = await new Promise<string>((done) => {
        const socket = connect({ host: other.address, port: listener }, () => {
          socket.destroy();
          done('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => done(String(error.code)));
      });
      assert.equal(outcome, 'ECONNREFUSED', `connecting to ${other.address}:${listener}`);
    }
  });

  it('prints an export line and a curl call of /api/whoami that work as printed, as the registered admin', () => {
    const result = pasteAndRun();
    assert.equal(result.status, 0, String(result.stderr));
    const whoami = JSON.parse(String(result.stdout)) as { user_name: string; groups: string[] };
    assert.equal(whoami.user_name, 'admin');
    assert.ok(whoami.groups.includes('admins'));
  });

  it('the printed proxy is an RFC 3820 proxy that grid-proxy-info reads', () => {
    const proxy = join(cwd, 'var/pki/admin/proxy.pem');
    const info = spawnSync('grid-proxy-info', ['-f', proxy, '-type'], { encoding: 'utf8' });
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /RFC 3820/i);
  });

  it('a second start reuses the PKI and the admin, and issues a fresh proxy that works as printed', async () => {
    const caFiles = async (): Promise<string> => {
      const dir = join(cwd, 'var/pki/certificates');
      const names = (await readdir(dir)).filter((name) => name.endsWith('.0'));
      return (await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')))).join('');
    };
    const ca = await caFiles();
    await stop();
    await start();
    assert.equal(await caFiles(), ca);
    const result = pasteAndRun();
    assert.equal(result.status, 0, String(result.stderr));
    assert.equal((JSON.parse(String(result.stdout)) as { user_name: string }).user_name, 'admin');
  });
});
