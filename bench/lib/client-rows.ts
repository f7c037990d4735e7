// The client rows: the `repoman` command (its bundle, packages/client/dist/cli.bundle.js) against `curl` on the
// same single transfer to the same repoman server, timed as a user sees it (process start to
// exit, so node's start-up and the record lookup count).
// - `client-download`: `repoman download-image admin/bench.img FILE --force` against
//   `curl -o FILE`, FILE on disk (site.diskDir, ext4), as a user saves an image. repoman
//   writes FILE.part around the page cache (O_DIRECT), fsyncs it, verifies the sha256 (exit 1
//   otherwise) and renames it; curl leaves its bytes dirty in the page cache (they reach the
//   disk after the timing, in the sync the measurement runs first). After each run FILE is
//   deleted and `sync`ed, outside the timing; both must have left a FILE of the right size.
// - `client-download-stdout`: `repoman download-image admin/bench.img -` to stdout, which is
//   /dev/null, against `curl -o /dev/null`: the transfer and the verification without any
//   file, so without this VM's page-cache noise (see docs/performance.md).
// repoman verifies the sha256 in both; curl's byte count is checked. `client-upload`:
// `upload-image` (which hashes the file on a second thread while sending it; an image of 64 MiB
// or more goes as a resumable upload) against `curl -T`, to the repoman whose storage is on the
// tmpfs. `tus-upload`: the same file with curl both times, to the same server, as today's
// single PUT (the baseline) and as a resumable (tus) upload: a POST creating it, then one
// PATCH with the whole file (timed together: the POST, the bytes, and the commit, which
// hashes the stored bytes once more).
import { spawn } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchSite } from './bench-site.js';
import { runCurls } from './curl-clients.js';
import { measureBest, syncDisks, type Batch } from './measure.js';
import type { RowResult } from './throughput-rows.js';

export type ClientRow = 'client-download' | 'client-download-stdout' | 'client-upload' | 'tus-upload';

const CLIENT_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/client/dist/cli.bundle.js');

/** Runs the repoman command once; a non-zero exit is the one outcome's problem. */
async function runRepomanCli(site: BenchSite, serverUrl: string, args: readonly string[]): Promise<Batch> {
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

/** The run, then (after its timing) a problem unless `path` holds `bytes` bytes. */
async function leavingFile(path: string, bytes: number, run: () => Promise<Batch>): Promise<Batch> {
  const batch = await run();
  const size = await stat(path).then((s) => s.size, () => undefined);
  if (size === bytes || batch.outcomes.some((outcome) => outcome.problem !== null)) return batch;
  return { ...batch, outcomes: [{ problem: size === undefined ? `no ${path}` : `${path} has ${size} bytes, not ${bytes}` }] };
}

export async function runClientRow(
  site: BenchSite, row: ClientRow, repeat: number, report: (result: RowResult) => void,
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
    const file = join(site.diskDir, 'client-download.img');
    const cleanup = async (): Promise<void> => {
      for (const path of [file, `${file}.part`, `${file}.part.etag`]) await rm(path, { force: true });
      syncDisks();
    };
    await cleanup();
    record('curl', await measureBest(repeat, server.pids, source.size, () => leavingFile(file, source.size, () =>
      runCurls([{ url, args: site.credentialArgs, bytes: source.size, output: file, okStatus: [200] }])), cleanup));
    record('repoman-cli', await measureBest(repeat, server.pids, source.size, () => leavingFile(file, source.size, () =>
      runRepomanCli(site, server.httpsUrl, ['download-image', 'admin/bench.img', file, '--force'])), cleanup));
  } else if (row === 'client-download-stdout') {
    const server = site.repomanDisk;
    const url = `${server.httpsUrl}/api/images/raw/admin/bench.img`;
    record('curl', await measureBest(repeat, server.pids, source.size, () =>
      runCurls([{ url, args: site.credentialArgs, bytes: source.size, okStatus: [200] }])));
    record('repoman-cli', await measureBest(repeat, server.pids, source.size, () =>
      runRepomanCli(site, server.httpsUrl, ['download-image', 'admin/bench.img', '-'])));
  } else if (row === 'tus-upload') {
    const server = site.repomanTmpfs;
    record('curl', await measureBest(repeat, server.pids, source.size, () =>
      runCurls([{ url: `${server.httpsUrl}/api/images/raw/admin/up-1`, args: site.credentialArgs, uploadFile: source.path, bytes: source.size, okStatus: [200] }])));
    record('curl-tus', await measureBest(repeat, server.pids, source.size, async () => {
      const started = performance.now();
      const location = await createTusUpload(site, `${server.httpsUrl}/api/images/admin/up-1/uploads`, source.size);
      const patched = await runCurls([{
        url: `${server.httpsUrl}${location}`, uploadFile: source.path, bytes: source.size, okStatus: [204],
        args: [...site.credentialArgs, '-X', 'PATCH', '-H', 'Tus-Resumable: 1.0.0', '-H', 'Content-Type: application/offset+octet-stream', '-H', 'Upload-Offset: 0'],
      }]);
      return { ...patched, seconds: (performance.now() - started) / 1000 };
    }));
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

/** POST …/uploads with curl as the admin; the new upload's Location. */
async function createTusUpload(site: BenchSite, url: string, size: number): Promise<string> {
  const args = ['-sS', '-D', '-', '-o', '/dev/null', '-X', 'POST', '-H', 'Tus-Resumable: 1.0.0', '-H', `Upload-Length: ${size}`, ...site.credentialArgs, url];
  const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let headers = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (headers += chunk));
  await new Promise((done) => child.once('close', done));
  const location = /^location: *(\S+)/im.exec(headers)?.[1];
  if (location === undefined) throw new Error(`POST ${url} created no upload: ${headers.split('\r\n')[0] ?? ''}`);
  return location;
}
