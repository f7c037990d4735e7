// Runs N curl processes at once, as the paper's clients: each downloads (to /dev/null, or
// piped into this process when its sha256 must be checked) or uploads (`-T FILE`, without
// `Expect: 100-continue`) one transfer. Answers the wall time from the first start to the last
// exit and, per client, whether it did exactly what it should: curl exit 0, the expected
// HTTP status, every byte moved, the right sha256 when asked.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface CurlJob {
  readonly url: string;
  /** Credential, CA and method arguments. */
  readonly args: readonly string[];
  /** Upload this file with PUT; none: a download. */
  readonly uploadFile?: string | undefined;
  /** Bytes the transfer must move. */
  readonly bytes: number;
  /** Save the download here (default /dev/null). */
  readonly output?: string | undefined;
  /** Hash the downloaded body and compare (it is piped through this process). */
  readonly sha256?: string | undefined;
  readonly okStatus: readonly number[];
}

export interface CurlOutcome {
  readonly problem: string | null;
  readonly seconds: number;
}

export interface CurlBatch {
  readonly seconds: number;
  readonly outcomes: readonly CurlOutcome[];
}

const MARK = 'BENCH-RESULT';

function runOne(job: CurlJob, timeoutSeconds: number): Promise<CurlOutcome> {
  const args = ['-sS', '--http1.1', '--max-time', String(timeoutSeconds), '-w', `%{stderr}\n${MARK} %{http_code} %{size_download} %{size_upload}\n`];
  if (job.uploadFile !== undefined) args.push('-T', job.uploadFile, '-H', 'Expect:', '-o', '/dev/null');
  else args.push('-o', job.sha256 === undefined ? (job.output ?? '/dev/null') : '-');
  args.push(...job.args, job.url);
  const started = performance.now();
  const child = spawn('curl', args, { stdio: ['ignore', job.sha256 === undefined ? 'ignore' : 'pipe', 'pipe'] });
  const hash = createHash('sha256');
  child.stdout?.on('data', (chunk: Buffer) => hash.update(chunk));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      const match = new RegExp(`${MARK} (\\d+) (\\d+) (\\d+)`).exec(stderr);
      const errorText = stderr.replace(new RegExp(`\\n?${MARK}.*\\n?`), '').trim();
      const fail = (problem: string): void => resolve({ problem, seconds });
      if (code !== 0) return fail(`curl exit ${code ?? signal}: ${errorText}`);
      if (!match) return fail(`no curl result line: ${errorText}`);
      const status = Number(match[1]);
      const moved = Number(job.uploadFile !== undefined ? match[3] : match[2]);
      if (!job.okStatus.includes(status)) return fail(`HTTP ${status}`);
      if (moved !== job.bytes) return fail(`moved ${moved} bytes, not ${job.bytes}`);
      if (job.sha256 !== undefined) {
        const actual = hash.digest('hex');
        if (actual !== job.sha256) return fail(`sha256 ${actual}, not ${job.sha256}`);
      }
      resolve({ problem: null, seconds });
    });
  });
}

export async function runCurls(jobs: readonly CurlJob[], timeoutSeconds = 600): Promise<CurlBatch> {
  const started = performance.now();
  const outcomes = await Promise.all(jobs.map((job) => runOne(job, timeoutSeconds)));
  return { seconds: (performance.now() - started) / 1000, outcomes };
}
