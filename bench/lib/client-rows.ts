// The client rows: the `repoman` command (packages/client/dist/cli.js) against `curl` on the
// same single transfer to the same repoman server, timed as a user sees it (process start to
// exit, so node's start-up and the record lookup count). `download-image IMAGE -` writes to
// stdout, which is /dev/null, as `curl -o /dev/null` does: a file on disk or tmpfs would add
// the page-cache noise of this VM to both (see docs/performance.md); repoman verifies the
// sha256 (exit 1 otherwise), curl's byte count is checked. `upload-image` (which hashes the
// file on a second thread while sending it) and `curl -T` upload to the repoman whose storage
// is on the tmpfs.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchSite } from './bench-site.js';
import { runCurls } from './curl-clients.js';
import { measureBest } from './measure.js';
import type { RowResult } from './throughput-rows.js';

const CLIENT_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/client/dist/cli.js');

/** Runs the repoman command once; a non-zero exit is the one outcome's problem. */
async function runRepomanCli(site: BenchSite, serverUrl: string, args: readonly string[]): Promise<{ seconds: number; outcomes: Array<{ problem: string | null }> }> {
  const home = join(site.diskDir, 'client-home');
  await mkdir(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, REPOMAN_SERVER: serverUrl, X509_USER_PROXY: site.admin.proxyPath, X509_CERT_DIR: site.site.caDir,
  };
  const started = performance.now();
  const child = spawn(process.execPath, [CLIENT_CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((done) => child.once('close', done));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, outcomes: [{ problem: code === 0 ? null : `repoman ${args[0]} exit ${code}: ${stderr.trim()}` }] };
}

export async function runClientRow(
  site: BenchSite, row: 'client-download' | 'client-upload', repeat: number, report: (result: RowResult) => void,
): Promise<RowResult[]> {
  const { source } = site;
  const results: RowResult[] = [];
  const record = (server: string, measured: Awaited<ReturnType<typeof measureBest>>): void => {
    const result = { row, server, clients: 1, syncSeconds: 0, ...measured };
    report(result);
    results.push(result);
  };
  if (row === 'client-download') {
    const server = site.repomanDisk;
    const url = `${server.httpsUrl}/api/images/raw/admin/bench.img`;
    record('curl', await measureBest(repeat, server.pids, source.size, () =>
      runCurls([{ url, args: site.credentialArgs, bytes: source.size, okStatus: [200] }])));
    record('repoman-cli', await measureBest(repeat, server.pids, source.size, () =>
      runRepomanCli(site, server.httpsUrl, ['download-image', 'admin/bench.img', '-'])));
  } else {
    const server = site.repomanTmpfs;
    const url = `${server.httpsUrl}/api/images/raw/admin/up-1`;
    record('curl', await measureBest(repeat, server.pids, source.size, () =>
      runCurls([{ url, args: site.credentialArgs, uploadFile: source.path, bytes: source.size, okStatus: [200] }])));
    record('repoman-cli', await measureBest(repeat, server.pids, source.size, () =>
      runRepomanCli(site, server.httpsUrl, ['upload-image', 'admin/up-1', source.path])));
  }
  return results;
}
