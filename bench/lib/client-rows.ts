// The client rows: the `repoman` command (packages/client/dist/cli.js) against `curl` on the
// same single transfer to the same repoman server, timed as a user sees it (process start to
// exit, so node's start-up and the record lookup count). download-image fetches bench.img
// into a file on the tmpfs (both tools write the same file there; no disk flush to wait for),
// then its sha256 is checked; upload-image (which hashes the file, then sends it) and
// `curl -T` upload to the repoman whose storage is on the tmpfs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchSite } from './bench-site.js';
import { runCurls } from './curl-clients.js';
import { measure } from './measure.js';
import type { RowResult } from './throughput-rows.js';

const CLIENT_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/client/dist/cli.js');

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

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

/** Adds a sha256 check of `file` to a batch's single outcome. */
async function checkFile<T extends { seconds: number; outcomes: ReadonlyArray<{ problem: string | null }> }>(batch: T, file: string, sha256: string): Promise<T> {
  if (batch.outcomes[0]?.problem != null) return batch;
  const actual = await sha256Of(file).catch((error: Error) => error.message);
  return actual === sha256 ? batch : { ...batch, outcomes: [{ problem: `${file}: sha256 ${actual}, not ${sha256}` }] };
}

export async function runClientRow(site: BenchSite, row: 'client-download' | 'client-upload', report: (result: RowResult) => void): Promise<RowResult[]> {
  const { source } = site;
  const results: RowResult[] = [];
  const record = (server: string, measured: Awaited<ReturnType<typeof measure>>): void => {
    const result = { row, server, clients: 1, syncSeconds: 0, ...measured };
    report(result);
    results.push(result);
  };
  if (row === 'client-download') {
    const server = site.repomanDisk;
    const dest = join(site.tmpfsDir, 'client-download.img');
    const url = `${server.httpsUrl}/api/images/raw/admin/bench.img`;
    record('curl', await measure(server.pids, source.size, async () =>
      checkFile(await runCurls([{ url, args: site.credentialArgs, output: dest, bytes: source.size, okStatus: [200] }]), dest, source.sha256)));
    await rm(dest, { force: true });
    record('repoman-cli', await measure(server.pids, source.size, async () =>
      checkFile(await runRepomanCli(site, server.httpsUrl, ['download-image', 'admin/bench.img', dest, '--force']), dest, source.sha256)));
    await rm(dest, { force: true });
  } else {
    const server = site.repomanTmpfs;
    const url = `${server.httpsUrl}/api/images/raw/admin/up-1`;
    record('curl', await measure(server.pids, source.size, () =>
      runCurls([{ url, args: site.credentialArgs, uploadFile: source.path, bytes: source.size, okStatus: [200] }])));
    record('repoman-cli', await measure(server.pids, source.size, () =>
      runRepomanCli(site, server.httpsUrl, ['upload-image', 'admin/up-1', source.path])));
  }
  return results;
}
