// The newcomer's path (SPEC §5, README's first command): `repoman-server` with no configuration
// at all, in an empty directory, makes ./var (SQLite database, image directory, development PKI
// with an RFC 3820 proxy of a registered admin) and prints lines that work exactly as printed,
// for curl and for the real `repoman` client, with no other variable set, and a PKCS#12 copy of
// the admin's certificate with its password with which a real browser logs in to the web UI. `npm start` runs that
// same executable, with the node flags of its shebang. Its keys and database are private to the
// server's user, and it answers on loopback only.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { freePort } from '../helpers/free-ports.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The `repoman-server` executable (package.json `bin`), run by its shebang as a user runs it. */
const SERVER = join(ROOT, 'packages/server/bin/repoman-server.js');
/** The `repoman` client executable; `npx repoman` in the printed line runs this. */
const CLIENT = join(ROOT, 'packages/client/bin/repoman.js');

/** Runs lines in a shell as a newcomer pastes them, with nothing but PATH and an empty HOME. */
function paste(lines: readonly string[], home: string): ReturnType<typeof spawnSync> {
  return spawnSync('sh', ['-c', lines.join('\n')], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home } });
}

/** The printed export, curl and `npx repoman whoami` lines, the client's pointing at CLIENT. */
function printedLines(printed: string): { exportLine: string; curl: string; client: string } {
  const lines = printed.split('\n').map((line) => line.trim());
  const exportLine = lines.filter((line) => line.startsWith('export '));
  const curl = lines.filter((line) => line.startsWith('curl '));
  const client = lines.filter((line) => line.startsWith('npx repoman whoami'));
  assert.equal(exportLine.length + curl.length + client.length, 3, `one export, one curl and one repoman line:\n${printed}`);
  return { exportLine: exportLine[0]!, curl: `${curl[0]} -sS`, client: client[0]!.replace('npx repoman', `'${CLIENT}'`) };
}

/** Waits until the server has printed its last line for the newcomer. */
function waitForLines(child: ChildProcess, output: { text: string }): Promise<void> {
  return new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no start in 60 s:\n${output.text}`)), 60_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output.text += chunk.toString();
      if (/then open the page and choose it/.test(output.text)) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', (code) => fail(new Error(`exited with ${code}:\n${output.text}`)));
  });
}

/** The environment without the caller's REPOMAN_* settings, plus the given ones. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('REPOMAN_')) delete env[key];
  return { ...env, ...extra };
}

/** Checks that the whoami output (JSON from curl, text from repoman) names the registered admin. */
function assertAdmin(result: ReturnType<typeof spawnSync>, json: boolean): void {
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  if (json) {
    const whoami = JSON.parse(String(result.stdout)) as { user_name: string; groups: string[] };
    assert.equal(whoami.user_name, 'admin');
    assert.ok(whoami.groups.includes('admins'));
  } else {
    assert.match(String(result.stdout), /^user_name:\s+admin$/m);
    assert.match(String(result.stdout), /^groups:\s+.*\badmins\b/m);
  }
}

describe('the embedded default, started with no configuration', () => {
  let cwd: string;
  let server: ChildProcess;
  let printed = '';
  let log = '';
  let port: number;
  let httpPort: number;

  const start = async (): Promise<void> => {
    const output = { text: '' };
    log = '';
    server = spawn(SERVER, [], {
      cwd, env: cleanEnv({ REPOMAN_SERVER_HTTPS_PORT: String(port), REPOMAN_SERVER_HTTP_PORT: String(httpPort) }), stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await waitForLines(server, output);
    printed = output.text;
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
    const { exportLine, curl } = printedLines(printed);
    return paste([exportLine, curl], cwd);
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
      'var/pki/admin/admin.p12': '600', 'var/pki/admin/admin.p12.password': '600',
      // The -wal and -shm files exist while the server runs.
      'var/repoman.db': '600', 'var/repoman.db-wal': '600', 'var/repoman.db-shm': '600',
    };
    const actual: Record<string, string> = {};
    for (const path of Object.keys(expected)) actual[path] = await modeOf(path);
    assert.deepEqual(actual, expected);
  });

  it('prints a PKCS#12 file and its password with which a real browser logs in to the web UI as the admin', { skip: !hasChromium() && 'no chromium' }, async () => {
    const line = /log in to the web UI at (\S+)\/ as the admin: import (.+\.p12) \(password: (\S+)\)/.exec(printed);
    assert.ok(line, printed);
    const [, url, pfxPath, passphrase] = line as unknown as [string, string, string, string];
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, clientCertificates: [{ origin: url, pfxPath, passphrase }] });
      const page = await context.newPage();
      await page.goto(`${url}/`);
      await page.getByRole('link', { name: 'admin', exact: true }).click();
      await page.getByText('Administrator').waitFor();
      assert.match(await page.locator('main').innerText(), /Certificate DN\s+\/O=Repoman Development\/.*\/CN=Repoman Admin/);
    } finally {
      await browser.close();
    }
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
    assertAdmin(pasteAndRun(), true);
  });

  it('the printed lines are all the repoman client needs: its whoami runs as the admin', () => {
    const { exportLine, client } = printedLines(printed);
    assertAdmin(paste([exportLine, client], cwd), false);
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
    assertAdmin(pasteAndRun(), true);
  });
});

/** The process ids under `pid` (children, grandchildren, …), from /proc. */
function descendants(pid: number): number[] {
  const children = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).filter((name) => {
    try {
      return readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1] === String(pid);
    } catch {
      return false;
    }
  }).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

describe('npm start (the README\'s first command)', () => {
  let home: string;
  let npm: ChildProcess;
  let serverPid: number | undefined;
  let printed = '';

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'repoman-npm-start-'));
    // Its data directory and port moved out of the checkout, as the tests must not touch ./var.
    const env = cleanEnv({ REPOMAN_SERVER_DATA_DIR: join(home, 'var'), REPOMAN_SERVER_HTTPS_PORT: '0', REPOMAN_SERVER_HOST: '127.0.0.1' });
    npm = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const output = { text: '' };
    await waitForLines(npm, output);
    printed = output.text;
    serverPid = descendants(npm.pid!).find((pid) => {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return basename(args[0] ?? '') === 'node' && args.some((arg) => arg.endsWith('repoman-server.js'));
    });
  });
  after(async () => {
    if (npm.exitCode === null) {
      await new Promise((done) => {
        npm.once('exit', done);
        // The server stops on SIGTERM and npm with it; the shell between them would not pass it on.
        for (const pid of serverPid !== undefined ? [serverPid] : [...descendants(npm.pid!).reverse(), npm.pid!]) process.kill(pid, 'SIGTERM');
      });
    }
    await rm(home, { recursive: true, force: true });
  });

  it('runs the server with the node flags of its executable\'s shebang', () => {
    assert.ok(serverPid !== undefined, 'a node process runs repoman-server.js under npm start');
    const shebang = readFileSync(SERVER, 'utf8').split('\n', 1)[0]!;
    const flags = /^#!\S*\benv -S node (.+)$/.exec(shebang)?.[1]?.split(' ') ?? [];
    assert.ok(flags.includes('--single-threaded-gc'), shebang);
    const args = readFileSync(`/proc/${serverPid}/cmdline`, 'utf8').split('\0');
    assert.deepEqual(args.slice(1, 1 + flags.length), flags, args.join(' '));
  });

  it('prints the lines with which the repoman client runs as the admin', () => {
    const { exportLine, client } = printedLines(printed);
    assertAdmin(paste([exportLine, client], home), false);
  });
});
