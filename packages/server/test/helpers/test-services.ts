// Real backing services for tests: a throwaway Ceph RADOS Gateway (S3) and a throwaway
// PostgreSQL cluster, started by the repository's test-services/*.sh scripts in a temporary
// directory on free loopback ports. Each start function returns the connection details and a
// stop() that ends the daemons and removes the directory (also run at process exit, should a
// test forget). They return null only when the service's programs are not installed, so that
// a test can `t.skip()` on a developer machine; CI installs them, and any other failure to
// start throws.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePorts } from './free-ports.js';

const run = promisify(execFile);
const scriptsDir = fileURLToPath(new URL('../../../../test-services/', import.meta.url));

export interface CephRgw {
  /** The S3 endpoint, `http://127.0.0.1:<port>`; buckets are addressed path-style. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Kills the daemons and removes their directory. Idempotent. */
  stop(): Promise<void>;
}

export interface Postgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** The Debian packages a test should name when it skips. */
export const CEPH_PACKAGES = 'ceph-mon ceph-osd radosgw ceph-common';
export const POSTGRES_PACKAGES = 'postgresql';

/** Starts a single-node Ceph cluster with RGW (~1-2 s), or null when Ceph is not installed. */
export async function startCephRgw(): Promise<CephRgw | null> {
  if (!['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph', 'curl'].every(onPath)) return null;
  const service = await startService('ceph-rgw', async (dir) => {
    const [port, monPort] = await freePorts(2);
    const { stdout } = await run(join(scriptsDir, 'ceph-rgw.sh'), ['start', dir, String(port)], {
      env: { ...process.env, CEPH_MON_PORT: String(monPort) },
    });
    return parseExports(stdout);
  });
  const vars = service.result;
  const need = (name: string): string => vars.get(name) ?? assertNever(`ceph-rgw.sh printed no ${name}`);
  return {
    endpoint: need('S3_ENDPOINT'),
    region: need('S3_REGION'),
    accessKeyId: need('S3_ACCESS_KEY_ID'),
    secretAccessKey: need('S3_SECRET_ACCESS_KEY'),
    stop: service.stop,
  };
}

/** Starts a PostgreSQL server (~2 s with initdb), or null when PostgreSQL is not installed. */
export async function startPostgres(): Promise<Postgres | null> {
  if (!['initdb', 'pg_ctl'].every((tool) => onPath(tool) || debianPostgresHas(tool))) return null;
  const service = await startService('postgres', async (dir) => {
    const [port] = await freePorts(1);
    const { stdout } = await run(join(scriptsDir, 'postgres.sh'), ['start', dir, String(port)]);
    return stdout.trim();
  });
  return { url: service.result, stop: service.stop };
}

/**
 * Runs `start` in a fresh temporary directory, retrying once (a free port may be taken
 * between the check and the bind), and arranges for the script's `stop` to run exactly once.
 */
async function startService<T>(script: string, start: (dir: string) => Promise<T>): Promise<{ result: T; stop: () => Promise<void> }> {
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), `repoman-${script}-`));
    const stopNow = (): void => {
      try {
        execFileSync(join(scriptsDir, `${script}.sh`), ['stop', dir], { stdio: 'ignore' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    let stopped = false;
    const onExit = (): void => {
      if (!stopped) stopNow();
    };
    process.once('exit', onExit);
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      await run(join(scriptsDir, `${script}.sh`), ['stop', dir]);
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      return { result: await start(dir), stop };
    } catch (error) {
      await stop().catch(() => {});
      if (attempt >= 2) {
        const stderr = (error as { stderr?: string }).stderr ?? '';
        throw new Error(`${script}.sh failed to start: ${stderr.trim() || String(error)}`, { cause: error });
      }
    }
  }
}

/** The `export NAME=value` lines of a script's output. */
function parseExports(stdout: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const match of stdout.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) vars.set(match[1]!, match[2]!);
  return vars;
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, program)));
}

function debianPostgresHas(program: string): boolean {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return false;
  return readdirSync(root).some((version) => existsSync(join(root, version, 'bin', program)));
}

function assertNever(message: string): never {
  throw new Error(message);
}
