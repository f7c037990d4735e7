// One load run with ApacheBench (`ab`, Debian apache2-utils), the tool issue 19 measured with:
// it presents a client certificate chain with its key (`-E`, so a grid proxy as is), which
// h2load and wrk cannot; keep-alive (`-k`) or a new TLS connection per request; HEAD (`-i`).
// ab is one single-threaded process: on this 2-core machine it takes one core, and both
// servers get the other, alike. Answers what ab printed that the bench uses: requests per
// second, the 99th percentile of the total time per request, and the failures (connection
// errors, wrong length, and non-2xx answers).
import { spawn, spawnSync } from 'node:child_process';

export interface AbOptions {
  readonly url: string;
  /** PEM with the client's certificate chain and its private key. */
  readonly credential: string;
  /** Seconds to run (ab's -t; at most a million requests). */
  readonly seconds: number;
  readonly concurrency: number;
  readonly keepAlive: boolean;
  readonly head?: boolean;
}

export interface AbResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly failures: readonly string[];
}

/** Installs apache2-utils when there is no ab (as nginx-server.ts does for nginx); throws when that fails. */
export function ensureAb(log: (line: string) => void): void {
  if (spawnSync('sh', ['-c', 'command -v ab'], { stdio: 'ignore' }).status === 0) return;
  log('bench: ab is missing: apt-get install apache2-utils');
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'apache2-utils'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8', timeout: 300_000 });
  if (install.status !== 0) throw new Error(`apt-get install apache2-utils failed:\n${install.stdout}${install.stderr}`);
}

function field(output: string, pattern: RegExp): number {
  const match = pattern.exec(output);
  return match ? Number(match[1]) : Number.NaN;
}

export async function runAb(o: AbOptions): Promise<AbResult> {
  // -l: the JSON answers' lengths vary (dates, counts), which ab would count as failures.
  const args = ['-q', '-l', '-t', String(o.seconds), '-n', '1000000', '-c', String(o.concurrency), '-E', o.credential, ...(o.keepAlive ? ['-k'] : []), ...(o.head === true ? ['-i'] : []), o.url];
  const child = spawn('ab', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const complete = field(output, /^Complete requests:\s+(\d+)/m);
  const failed = field(output, /^Failed requests:\s+(\d+)/m);
  const non2xx = field(output, /^Non-2xx responses:\s+(\d+)/m);
  const failures = [
    ...(code !== 0 ? [`ab exited with ${code}: ${output.trim().split('\n').slice(-2).join(' ')}`] : []),
    ...(failed > 0 ? [`${failed} failed requests`] : []),
    ...(non2xx > 0 ? [`${non2xx} non-2xx answers`] : []),
  ];
  return {
    requests: Number.isNaN(complete) ? 0 : complete,
    seconds: field(output, /^Time taken for tests:\s+([\d.]+)/m),
    requestsPerSecond: field(output, /^Requests per second:\s+([\d.]+)/m),
    p99Ms: field(output, /^\s+99%\s+(\d+)/m),
    failures,
  };
}
