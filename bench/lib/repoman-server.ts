// Runs the real `repoman-server` (the built packages/server/dist/cli.js) for the bench: a TOML
// config in its own directory, the grid site's host certificate and CA directory, the given
// admin, a plain-HTTP listener, image storage at `storagePath` (a directory on disk, or on a
// tmpfs for the "storage that discards" row), a database (default: SQLite in its directory). Its JSON request log goes to a file. node gets
// the flags of the executable's shebang (packages/server/bin/repoman-server.js:
// `--single-threaded-gc`), as when it runs as `repoman-server`, plus any from `nodeArgs` or
// $BENCH_NODE_ARGS (e.g. `--cpu-prof`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { untilListening } from '../../packages/server/test/helpers/repository-process.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/server/dist/cli.js');
const EXECUTABLE = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/server/bin/repoman-server.js');

/** The node flags of the executable's `#!/usr/bin/env -S node FLAGS` line. */
function shebangFlags(cli: string): string[] {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  return /^#!\S*\benv\s+-S\s+node\s+(.*)$/.exec(first)?.[1]?.split(/\s+/).filter((flag) => flag !== '') ?? [];
}

export interface RepomanOptions {
  readonly dir: string;
  readonly storagePath: string;
  readonly hostCert: string;
  readonly hostKey: string;
  readonly caDir: string;
  readonly adminDn: string;
  readonly httpsPort: number;
  readonly httpPort: number;
  /** `database.url`; default: SQLite in `dir`. */
  readonly databaseUrl?: string;
  /** `[server] answer_cache`; default: the server's own default (on). */
  readonly answerCache?: boolean;
  readonly nodeArgs?: readonly string[];
}

export interface RepomanServer {
  readonly httpsUrl: string;
  readonly httpUrl: string;
  pids(): number[];
  stop(): Promise<void>;
}

export async function startRepoman(o: RepomanOptions): Promise<RepomanServer> {
  await mkdir(o.dir, { recursive: true });
  const configPath = join(o.dir, 'repoman.toml');
  await writeFile(configPath, [
    '[server]', 'host = "127.0.0.1"', `https_port = ${o.httpsPort}`, `http_port = ${o.httpPort}`, `data_dir = ${JSON.stringify(o.dir)}`,
    ...(o.answerCache === undefined ? [] : [`answer_cache = ${o.answerCache}`]),
    '[tls]', `cert = ${JSON.stringify(o.hostCert)}`, `key = ${JSON.stringify(o.hostKey)}`, `ca_dir = ${JSON.stringify(o.caDir)}`,
    '[storage]', `path = ${JSON.stringify(o.storagePath)}`,
    ...(o.databaseUrl === undefined ? [] : ['[database]', `url = ${JSON.stringify(o.databaseUrl)}`]),
    '[admin]', `dns = ${JSON.stringify([o.adminDn])}`, '',
  ].join('\n'));
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('REPOMAN_')) delete env[key];
  const nodeArgs = [...shebangFlags(EXECUTABLE), ...(o.nodeArgs ?? (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== ''))];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--config', configPath], {
    env, cwd: o.dir, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(createWriteStream(join(o.dir, 'requests.log')));
  await untilListening(child);
  const pid = child.pid ?? 0;
  return {
    httpsUrl: `https://127.0.0.1:${o.httpsPort}`,
    httpUrl: `http://127.0.0.1:${o.httpPort}`,
    pids: () => [pid],
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
    },
  };
}
