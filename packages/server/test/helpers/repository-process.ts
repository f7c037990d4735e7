/**
 * Runs the real `repoman-server` (the built `dist/cli.js`) as a child process for end-to-end
 * tests: a TOML config in a temp data directory, the grid site's host certificate and CA
 * directory, ephemeral ports, the given admins bootstrapped through `[admin] dns`. Resolves
 * once the server prints where it listens; `stop()` sends SIGTERM, `kill()` SIGKILL (for
 * crash tests), `restart()` starts it again on the same data directory. The server checks every
 * answer against `@repoman/api` (`REPOMAN_CONTRACT_CHECK=1`); `cleanup()` fails on any mismatch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTRACT_VIOLATION_LOG } from '../../src/http/contract-check.js';
import { freePort } from './free-ports.js';
import type { GridSite } from './grid-site.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

export interface RepositoryOptions {
  site: GridSite;
  /** DNs registered as admins at start. */
  adminDns?: string[];
  /** Also listen on plain HTTP (an ephemeral port). */
  http?: boolean;
  /** Extra TOML lines appended to the config (e.g. `[limits]` …). */
  extraToml?: string;
  /** `REPOMAN_*` overrides (e.g. of `[server]` keys, which `extraToml` cannot reopen). */
  env?: Record<string, string>;
}

export interface Repository {
  readonly url: string;
  /** The plain-HTTP base URL, when asked for. */
  readonly httpUrl: string | undefined;
  readonly dataDir: string;
  readonly configPath: string;
  /** Everything the server printed on stdout (JSON request log) so far. */
  readonly log: () => string;
  /** What the server printed on stderr (startup lines, warnings) since it last started. */
  readonly notices: () => string;
  readonly pid: () => number;
  /** The exit code of the last run, null while it runs (or when a signal ended it). */
  readonly exitCode: () => number | null;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Resolves once a repoman-server child prints where it listens; rejects, with what it printed,
 * if it exits first or says nothing of the kind for 30 s. `onStderr` sees all of its stderr,
 * before and after.
 */
export function untilListening(child: ChildProcess, onStderr: (text: string) => void = () => {}): Promise<void> {
  let stderr = '';
  return new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`repoman-server did not start in 30 s:\n${stderr}`)), 30_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      onStderr(chunk);
      if (/listening on /.test(stderr)) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`repoman-server exited with ${code} before listening:\n${stderr}`));
    });
  });
}

export async function startRepository(options: RepositoryOptions): Promise<Repository> {
  const dataDir = await mkdtemp(join(tmpdir(), 'repoman-data-'));
  const configPath = join(dataDir, 'repoman.toml');
  const httpsPort = await freePort();
  const httpPort = options.http ? await freePort() : 0;
  await writeFile(configPath, [
    '[server]', 'host = "127.0.0.1"', `https_port = ${httpsPort}`, `http_port = ${httpPort}`, `data_dir = ${JSON.stringify(dataDir)}`,
    '[tls]', `cert = ${JSON.stringify(options.site.hostCert)}`, `key = ${JSON.stringify(options.site.hostKey)}`,
    `ca_dir = ${JSON.stringify(options.site.caDir)}`,
    '[admin]', `dns = ${JSON.stringify(options.adminDns ?? [])}`,
    options.extraToml ?? '', '',
  ].join('\n'));

  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  const launch = async (): Promise<void> => {
    stderr = '';
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('REPOMAN_')) delete env[key];
    Object.assign(env, options.env);
    env.REPOMAN_CONTRACT_CHECK = '1'; // every answer checked against @repoman/api; see cleanup()
    const started = spawn(process.execPath, [CLI, 'serve', '--config', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await untilListening(started, (text) => (stderr += text));
  };
  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise<void>((done) => {
      current.once('exit', () => done());
      current.kill(signal);
    });
  };

  await launch();
  return {
    url: `https://localhost:${httpsPort}`,
    httpUrl: httpPort ? `http://localhost:${httpPort}` : undefined,
    dataDir,
    configPath,
    log: () => stdout,
    notices: () => stderr,
    pid: () => child?.pid ?? 0,
    exitCode: () => child?.exitCode ?? null,
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    restart: async () => {
      await waitExit('SIGTERM');
      await launch();
    },
    cleanup: async () => {
      await waitExit('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
      const violations = stdout.split('\n').filter((line) => line.includes(CONTRACT_VIOLATION_LOG));
      if (violations.length > 0) throw new Error(`answers outside the API schema:\n${violations.join('\n')}`);
    },
  };
}
