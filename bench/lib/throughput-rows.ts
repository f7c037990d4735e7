// The paper's protocol (§4): for each row and each client count, N curl clients move the
// source file at once, against nginx then repoman (interleaved, so that drift of the machine
// hits both alike). Rows: HTTPS download, plain-HTTP download, HTTPS upload to storage on disk,
// HTTPS upload to storage on a tmpfs (the "discarding" target: no disk, no writeback, fsync
// a no-op, for both servers). Over HTTPS every client presents the admin's grid proxy (to
// nginx, which refuses proxies, the admin's certificate).
// Uploads of a run are deleted after it (nginx's files; repoman's content-addressed blob is
// one file whatever the count), and `sync`ed, outside the timing; that sync's duration is kept
// (`syncSeconds`), since nginx answers before its bytes reach the disk and repoman after.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerName } from './bench-options.js';
import type { BenchSite } from './bench-site.js';
import { runCurls, type CurlJob } from './curl-clients.js';
import { measureBest, syncDisks, type Measurement } from './measure.js';

export type ThroughputRow = 'https-get' | 'http-get' | 'https-put-disk' | 'https-put-tmpfs';

export interface RowResult extends Measurement {
  readonly row: string;
  readonly server: string;
  readonly clients: number;
  /** For uploads: the `sync` right after the run (its bytes reaching the disk), seconds. */
  readonly syncSeconds: number;
  /** MB/s of every run when measurements were repeated (the best one is reported). */
  readonly runs?: readonly number[];
}

interface Plan {
  pids(): number[];
  jobs: CurlJob[];
  cleanup(): Promise<void>;
}

async function emptyDir(dir: string): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [])) if (entry !== '.temp') await rm(join(dir, entry), { force: true, recursive: true });
}

function plan(site: BenchSite, row: ThroughputRow, server: ServerName, clients: number, verify: boolean): Plan {
  const { source, credentialArgs } = site;
  const indexes = Array.from({ length: clients }, (_, i) => i + 1);
  const download = (url: string, args: readonly string[]): CurlJob =>
    ({ url, args, bytes: source.size, okStatus: [200], sha256: verify ? source.sha256 : undefined });
  const upload = (url: string, ok: number[], args = credentialArgs): CurlJob => ({ url, args, uploadFile: source.path, bytes: source.size, okStatus: ok });
  const nothing = async (): Promise<void> => {};

  if (server === 'nginx') {
    const { nginx } = site;
    switch (row) {
      case 'https-get':
        return { pids: nginx.pids, jobs: indexes.map(() => download(`${nginx.httpsUrl}/files/bench.img`, site.nginxCredentialArgs)), cleanup: nothing };
      case 'http-get':
        return { pids: nginx.pids, jobs: indexes.map(() => download(`${nginx.httpUrl}/files/bench.img`, [])), cleanup: nothing };
      case 'https-put-disk':
      case 'https-put-tmpfs': {
        const where = row === 'https-put-disk' ? 'disk' : 'tmpfs';
        return {
          pids: nginx.pids,
          jobs: indexes.map((i) => upload(`${nginx.httpsUrl}/${where}/up-${i}`, [201, 204], site.nginxCredentialArgs)),
          cleanup: () => emptyDir(site.nginxPutDirs[where]),
        };
      }
    }
  }
  const repoman = row === 'https-put-tmpfs' ? site.repomanTmpfs : site.repomanDisk;
  switch (row) {
    case 'https-get':
      return { pids: repoman.pids, jobs: indexes.map(() => download(`${repoman.httpsUrl}/api/images/raw/admin/bench.img`, credentialArgs)), cleanup: nothing };
    case 'http-get':
      return { pids: repoman.pids, jobs: indexes.map(() => download(`${repoman.httpUrl}/api/images/raw/admin/bench.img`, [])), cleanup: nothing };
    case 'https-put-disk':
    case 'https-put-tmpfs':
      return { pids: repoman.pids, jobs: indexes.map((i) => upload(`${repoman.httpsUrl}/api/images/raw/admin/up-${i}`, [200])), cleanup: nothing };
  }
}

export async function runThroughputRow(
  site: BenchSite, row: ThroughputRow, clientCounts: readonly number[], servers: readonly ServerName[], verify: boolean, repeat: number,
  report: (result: RowResult) => void,
): Promise<RowResult[]> {
  const results: RowResult[] = [];
  for (const clients of clientCounts) {
    for (const server of servers) {
      const { pids, jobs, cleanup } = plan(site, row, server, clients, verify);
      const syncs: number[] = [];
      const measured = await measureBest(repeat, pids, clients * site.source.size, () => runCurls(jobs), async () => {
        syncs.push(row.startsWith('https-put') ? syncDisks() : 0);
        await cleanup();
      });
      // The sync after the kept (fastest) run.
      const syncSeconds = syncs[measured.runs.indexOf(measured.mbPerSecond)] ?? 0;
      const result = { row, server, clients, syncSeconds, ...measured };
      report(result);
      results.push(result);
    }
  }
  return results;
}
