// `npm run bench -- --api`: the metadata API under load (issue 19), side by side with nginx
// serving the same answers as static files. The 20,000-image data set (api-dataset.ts) is
// seeded into SQLite and into a throwaway PostgreSQL; a repoman-server runs on each; the
// admin (a real grid proxy) and `alice`, an ordinary user of the data set (her own proxy),
// call it with ab (ab-run.ts: 64 connections, keep-alive unless the row says otherwise). nginx
// gets each answer as a file fetched from the server just before, and the user's own
// certificate (it refuses proxies). Per row and server: requests/s, the ratio to nginx, server
// CPU ms per request (utime + stime of its processes / requests), p99 and peak RSS.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../packages/server/test/helpers/free-ports.js';
import { makeGridSite, type GridUser } from '../../packages/server/test/helpers/grid-site.js';
import { startPostgres } from '../../packages/server/test/helpers/test-services.js';
import { ensureAb, runAb } from './ab-run.js';
import { seedDataset } from './api-dataset.js';
import { ensureNginx, startNginx } from './nginx-server.js';
import { cpuSeconds, sampleResident } from './proc-stats.js';
import { startRepoman, type RepomanServer } from './repoman-server.js';

export type ApiDatabase = 'sqlite' | 'postgres';

export interface ApiBenchOptions {
  readonly databases: readonly ApiDatabase[];
  /** Seconds per measurement. */
  readonly seconds: number;
  readonly concurrency: number;
  /** Names of the rows to run; null: all of API_ROWS. */
  readonly rows?: readonly string[] | null;
  /** Run repoman with `answer_cache = false`: every request takes the full path (cold figures). */
  readonly cold?: boolean;
  /** The host certificate's key, for nginx and repoman alike (default RSA-2048). */
  readonly hostKey?: 'rsa' | 'ec';
  readonly log: (line: string) => void;
}

export interface ApiRowResult {
  readonly row: string;
  /** "nginx", or "repoman/sqlite", "repoman/postgres". */
  readonly server: string;
  readonly requestsPerSecond: number;
  readonly cpuMsPerRequest: number;
  readonly p99Ms: number;
  readonly peakMb: number;
  readonly failures: readonly string[];
}

interface Row {
  readonly name: string;
  readonly path: string;
  readonly caller: 'admin' | 'alice';
  readonly head?: boolean;
  readonly newConnections?: boolean;
  /** The file nginx serves for it (the answer fetched from repoman), or the image itself for HEAD. */
  readonly file: string;
}

// The data set's last owner is user199 (alice is user 0): this cursor is its image-049.img, so the page holds its last 50.
const LAST_CURSOR = Buffer.from(JSON.stringify(['user199', 'image-049.img', 1])).toString('base64url');

export const API_ROWS: readonly Row[] = [
  { name: 'whoami', path: '/api/whoami', caller: 'admin', file: 'whoami.json' },
  { name: 'metadata', path: '/api/images/admin/bench.img', caller: 'admin', file: 'metadata.json' },
  { name: 'HEAD raw', path: '/api/images/raw/admin/bench.img', caller: 'admin', head: true, file: 'bench.img' },
  { name: 'page, admin', path: '/api/images?limit=50', caller: 'admin', file: 'page-admin.json' },
  { name: 'page, non-admin', path: '/api/images?limit=50', caller: 'alice', file: 'page-alice.json' },
  { name: 'q= search, non-admin', path: '/api/images?limit=50&q=rocky%2012', caller: 'alice', file: 'search-alice.json' },
  { name: 'last page, admin', path: `/api/images?limit=50&cursor=${LAST_CURSOR}`, caller: 'admin', file: 'last-page-admin.json' },
  { name: 'whoami, new connection', path: '/api/whoami', caller: 'admin', newConnections: true, file: 'whoami.json' },
];

async function concat(path: string, files: readonly string[]): Promise<string> {
  await writeFile(path, (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('\n'));
  return path;
}

function curl(user: GridUser, caDir: string, url: string, args: readonly string[], ok: number): string {
  const result = spawnSync('curl', ['-sS', '-w', '\n%{http_code}', '-H', 'Expect:', '--capath', caDir, '--cert', user.proxyPath, '--key', user.proxyPath, ...args, url], { encoding: 'utf8' });
  const status = Number(result.stdout.slice(result.stdout.lastIndexOf('\n') + 1));
  if (status !== ok) throw new Error(`${args.join(' ')} ${url}: HTTP ${status}, wanted ${ok}: ${result.stdout}${result.stderr}`);
  return result.stdout.slice(0, result.stdout.lastIndexOf('\n'));
}

async function measure(pids: () => number[], run: () => ReturnType<typeof runAb>): Promise<Omit<ApiRowResult, 'row' | 'server'>> {
  const cpuBefore = cpuSeconds(pids());
  const memory = sampleResident(pids);
  const result = await run();
  const peak = memory.stop();
  const cpu = cpuSeconds(pids()) - cpuBefore;
  return {
    requestsPerSecond: result.requestsPerSecond, cpuMsPerRequest: result.requests > 0 ? (cpu * 1000) / result.requests : Number.NaN,
    p99Ms: result.p99Ms, peakMb: peak / 1e6, failures: result.failures,
  };
}

export async function runApiBench(o: ApiBenchOptions, progress: (result: ApiRowResult) => void): Promise<ApiRowResult[]> {
  const rows = o.rows == null ? API_ROWS : API_ROWS.filter((row) => o.rows?.includes(row.name));
  if (rows.length === 0) throw new Error(`no API row named ${o.rows?.join(', ')}: one of ${API_ROWS.map((row) => row.name).join(', ')}`);
  ensureNginx(o.log);
  ensureAb(o.log);
  const dir = await mkdtemp(join(tmpdir(), 'repoman-api-bench-'));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(dir, { recursive: true, force: true })];
  const results: ApiRowResult[] = [];
  try {
    const site = await makeGridSite({ hostKey: o.hostKey });
    cleanups.push(() => site.cleanup());
    const users = { admin: await site.user('admin'), alice: await site.user('alice') };
    const [caFile] = (await readdir(site.caDir)).filter((name) => name.endsWith('.0'));
    if (caFile === undefined) throw new Error(`no CA certificate in ${site.caDir}`);
    const filesDir = join(dir, 'files');
    await mkdir(filesDir);
    const image = join(filesDir, 'bench.img');
    await writeFile(image, Buffer.alloc(4096, 7));
    const nginxCredential = {
      admin: await concat(join(dir, 'admin-nginx.pem'), [users.admin.certPath, users.admin.keyPath]),
      alice: await concat(join(dir, 'alice-nginx.pem'), [users.alice.certPath, users.alice.keyPath]),
    };

    const servers: Array<{ name: string; server: RepomanServer }> = [];
    for (const database of o.databases) {
      let url = `sqlite:${join(dir, 'sqlite', 'repoman.db')}`;
      if (database === 'postgres') {
        const postgres = await startPostgres();
        if (postgres === null) throw new Error('PostgreSQL is not installed: apt-get install postgresql, or --api-databases sqlite');
        cleanups.push(() => postgres.stop());
        url = postgres.url;
      }
      const seeded = await seedDataset(url, [{ name: 'alice', dn: users.alice.dn }]);
      o.log(`bench: seeded ${database}: ${seeded.images} images, ${seeded.shares} shares in ${seeded.seconds.toFixed(1)} s`);
      const server = await startRepoman({
        dir: join(dir, database), storagePath: join(dir, database, 'images'), hostCert: site.hostCert, hostKey: site.hostKey, caDir: site.caDir,
        adminDn: users.admin.dn, httpsPort: await freePort(), httpPort: await freePort(), databaseUrl: url,
        ...(o.cold === true && { answerCache: false }),
      });
      cleanups.push(() => server.stop());
      curl(users.admin, site.caDir, `${server.httpsUrl}/api/images`, ['-X', 'POST', '-H', 'content-type: application/json', '--data-binary', '{"name":"bench.img","unauthenticated_access":true}'], 201);
      curl(users.admin, site.caDir, `${server.httpsUrl}/api/images/raw/admin/bench.img`, ['-T', image], 200);
      servers.push({ name: `repoman/${database}`, server });
    }
    // nginx serves the answers of the first server, fetched now (after bench.img's upload).
    const first = servers[0]?.server;
    if (first === undefined) throw new Error('no database to bench');
    for (const row of API_ROWS) {
      if (!row.file.endsWith('.json')) continue;
      await writeFile(join(filesDir, row.file), curl(users[row.caller], site.caDir, `${first.httpsUrl}${row.path}`, [], 200));
    }
    const nginx = await startNginx({
      prefix: join(dir, 'nginx'), hostCert: site.hostCert, hostKey: site.hostKey, clientCa: join(site.caDir, caFile), filesDir,
      diskDir: join(dir, 'nginx-put'), tmpfsDir: join(dir, 'nginx-put'), httpsPort: await freePort(), httpPort: await freePort(),
    });
    cleanups.push(() => nginx.stop());

    for (const row of rows) {
      const targets = [
        { name: 'nginx', url: `${nginx.httpsUrl}/files/${row.file}`, credential: nginxCredential[row.caller], pids: () => nginx.pids() },
        ...servers.map(({ name, server }) => ({ name, url: `${server.httpsUrl}${row.path}`, credential: users[row.caller].proxyPath, pids: () => server.pids() })),
      ];
      for (const target of targets) {
        const ab = (seconds: number) => runAb({
          url: target.url, credential: target.credential, seconds, concurrency: o.concurrency, keepAlive: row.newConnections !== true, head: row.head,
        });
        await ab(Math.min(1, o.seconds)); // warm-up: JIT, caches, connections
        const result = { row: row.name, server: target.name, ...await measure(target.pids, () => ab(o.seconds)) };
        progress(result);
        results.push(result);
      }
    }
    return results;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}
