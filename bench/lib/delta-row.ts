// The `delta-resave` row (issue [5/9] item 4): an image re-saved with 2 % of its 8 MiB blocks
// changed, sent by `repoman upload-image --delta` (only the changed blocks; the server copies
// the rest from the previous version in its storage while the client hashes, and hashes the
// result as the blocks arrive) against the same file (its changed blocks new again) sent whole
// by `repoman upload-image`, both to the repoman whose storage is on disk, timed as a user sees
// them (process start to exit), with the server's own times for the creation (its copy) and
// the commit (what is left of its hash) from its request log. Bytes moved are the client's own
// count ("sent X of Y") for the delta and the file's size for the whole upload. Each upload
// starts from version 1 (rolled back after each; its block list is kept by blob, so it is ready
// at once) and sends new bytes in the changed blocks (writeRandomBlocks()). Before the first
// delta, and after each upload, the bench waits for the server to list the newest version's
// blocks, the background work that follows an upload, and it reads the image once before each
// timed upload, so that both start with it in the page cache (see warm()). Default 4 GiB
// (`--delta-size`); `--smoke` uses 32 MiB. Both uploads are measured over loopback, then again
// through a link of `--delta-link RATE` (default 1gbit, `none` to skip; rate-limited-link.ts);
// `--delta-store xfs` gives this row its own server whose images are on a loop-mounted XFS with
// reflinks (xfs-store.ts), where the copy shares extents.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/server/test/helpers/free-ports.js';
import type { BenchSite } from './bench-site.js';
import { startRateLimitedLink } from './rate-limited-link.js';
import { startRepoman, type RepomanServer } from './repoman-server.js';
import { mountXfsStore } from './xfs-store.js';

const CLIENT_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/client/dist/cli.bundle.js');
const MiB = 1024 * 1024;
const BLOCK = 8 * MiB;
/** One block in 50 changed: 2 %. */
const EVERY = 50;

export interface DeltaMeasurement {
  /** `loopback`, or the link's rate. */
  readonly label: string;
  readonly delta: { readonly seconds: number; readonly bytes: number };
  readonly full: { readonly seconds: number; readonly bytes: number };
  readonly steps?: ServerSteps | undefined;
}

export interface DeltaRowResult {
  readonly size: number;
  readonly blocks: number;
  readonly changedBlocks: number;
  /** Where the server keeps its images. */
  readonly store: string;
  readonly measurements: readonly DeltaMeasurement[];
  readonly errors: string[];
}

async function cli(site: BenchSite, server: string, args: readonly string[]): Promise<{ seconds: number; stderr: string; code: number | null }> {
  const home = join(site.diskDir, 'client-home');
  await mkdir(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, REPOMAN_SERVER: server, X509_USER_PROXY: site.admin.proxyPath, X509_CERT_DIR: site.site.caDir,
  };
  const started = performance.now();
  const child = spawn(process.execPath, [CLIENT_CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((done) => child.once('close', done));
  return { seconds: (performance.now() - started) / 1000, stderr, code };
}

/** curl as the admin; the HTTP status and the body. */
async function curl(site: BenchSite, args: readonly string[]): Promise<{ status: number; body: string }> {
  const child = spawn('curl', ['-sS', '-w', '\n%{http_code}', ...site.credentialArgs, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await new Promise((done) => child.once('close', done));
  const at = out.lastIndexOf('\n');
  return { status: Number(out.slice(at + 1)), body: out.slice(0, at) };
}

/** Waits until the server has listed the blocks of the image's newest version (background work after each upload). */
async function blocksListed(site: BenchSite, api: string): Promise<void> {
  const image = `${api}/api/images/admin/delta.img`;
  const versions = JSON.parse((await curl(site, [`${image}/versions`])).body) as { version: number }[];
  const newest = Math.max(...versions.map((entry) => entry.version));
  for (let waited = 0; (await curl(site, [`${image}/versions/${newest}/blocks`])).status !== 200; waited += 1) {
    if (waited > 600) throw new Error(`the server did not list the blocks of version ${newest} within 5 minutes`);
    await new Promise((done) => setTimeout(done, 500));
  }
}

/**
 * Reads the file once, so that it is in the page cache when an upload starts: this VM pages
 * out file pages unused for about a minute (DAMON, `pageout` at age ≥ 60 s), which made parts
 * of the image come from disk in one run and not in the next. A re-save follows the save that
 * wrote the image, so its pages are usually cached; both uploads start alike.
 */
async function warm(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(BLOCK);
    for (let at = 0; ; at += BLOCK) if ((await file.read(buffer, 0, BLOCK, at)).bytesRead === 0) break;
  } finally {
    await file.close();
  }
}

/**
 * New random bytes in one block (8 MiB) in `every` of the file at `path`, `size` bytes long:
 * every block of a new file (`every` 1), or, in a copy of the original, the blocks a re-save
 * changes (EVERY). The latter runs before each timed upload, so that none of them sends bytes
 * the server already holds: a commit of a blob already stored removes its temporary file
 * instead of publishing it, which on ext4 costs up to a second that a real re-save does not pay.
 */
async function writeRandomBlocks(path: string, size: number, every: number): Promise<void> {
  const file = await open(path, every === 1 ? 'w' : 'r+');
  try {
    for (let index = 0; index * BLOCK < size; index += every) {
      const length = Math.min(BLOCK, size - index * BLOCK);
      await file.write(randomBytes(length), 0, length, index * BLOCK);
    }
  } finally {
    await file.close();
  }
}

export interface DeltaRowOptions {
  /** `--delta-link RATE`: also measure through a link of this many bytes per second (rate-limited-link.ts). */
  readonly link?: { readonly label: string; readonly bytesPerSecond: number } | undefined;
  /** `--delta-store xfs`: the server keeps its images on a loop-mounted XFS with reflinks (xfs-store.ts). */
  readonly store?: 'disk' | 'xfs' | undefined;
}

/** The server-side steps of the delta upload, from the server's request log (ms). */
interface ServerSteps {
  readonly create: number;
  readonly commit: number;
}

/** The durations of the last upload creation (POST …/uploads: the copy) and of the last PATCH of an upload (the commit), from the server's request log. */
async function serverSteps(logPath: string): Promise<ServerSteps | undefined> {
  let create: number | undefined;
  let commit: number | undefined;
  for (const line of (await readFile(logPath, 'utf8').catch(() => '')).split('\n')) {
    if (!line.includes('"msg":"request"')) continue;
    const entry = JSON.parse(line) as { method: string; path: string; duration_ms: number };
    if (entry.method === 'POST' && entry.path.endsWith('/uploads')) create = entry.duration_ms;
    else if (entry.method === 'PATCH' && entry.path.startsWith('/api/uploads/')) commit = entry.duration_ms;
  }
  return create === undefined || commit === undefined ? undefined : { create, commit };
}

export async function runDeltaRow(site: BenchSite, size: number, log: (line: string) => void, options: DeltaRowOptions = {}): Promise<DeltaRowResult> {
  const dir = join(site.diskDir, 'delta');
  await mkdir(dir, { recursive: true });
  const original = join(dir, 'original.img');
  const resaved = join(dir, 'resaved.img');
  const errors: string[] = [];
  const blocks = Math.ceil(size / BLOCK);
  const changedBlocks = Math.ceil(blocks / EVERY);
  const closing: Array<() => Promise<void>> = [];
  try {
    let server: RepomanServer = site.repomanDisk;
    let serverDir = join(site.diskDir, 'repoman-disk');
    let store = `disk (${fileSystemOf(site.diskDir)})`;
    if (options.store === 'xfs') {
      // Room for the original, the re-saved image and the uploads in flight; sparse until written.
      const xfs = await mountXfsStore(join(dir, 'xfs'), 3 * size + 1024 * MiB);
      closing.push(() => xfs.remove());
      serverDir = join(dir, 'repoman-xfs');
      server = await startRepoman({
        dir: serverDir, storagePath: join(xfs.path, 'images'), hostCert: site.site.hostCert, hostKey: site.site.hostKey, caDir: site.site.caDir,
        adminDn: site.admin.dn, httpsPort: await freePort(), httpPort: await freePort(),
      });
      closing.push(() => server.stop());
      store = 'loop-mounted XFS, reflink=1';
    }
    const api = server.httpsUrl;
    await writeRandomBlocks(original, size, 1);
    await copyFile(original, resaved);
    const made = await cli(site, api, ['create-image', 'delta.img', '--file', original]);
    if (made.code !== 0) throw new Error(`create-image exit ${made.code}: ${made.stderr.trim()}`);
    await blocksListed(site, api);
    log(`bench: delta-resave: ${blocks} blocks listed by the server (store: ${store}); ${changedBlocks} changed`);

    // The version holding the original bytes: 1, then the one each rollback makes (a new version).
    let originalVersion = 1;
    const rollback = async (): Promise<void> => {
      const { status, body } = await curl(site, ['-X', 'POST', '-H', 'content-type: application/json', '--data', JSON.stringify({ version: originalVersion }), `${api}/api/images/admin/delta.img/rollback`]);
      if (status === 200) originalVersion = (JSON.parse(body) as { version: number }).version;
      else errors.push(`rollback to version ${originalVersion}: HTTP ${status} ${body}`);
    };
    /** A delta then a whole upload of the re-saved image through `url`, the delta from the original. */
    const measure = async (label: string, url: string): Promise<DeltaMeasurement> => {
      await writeRandomBlocks(resaved, size, EVERY);
      await warm(resaved);
      const delta = await cli(site, url, ['upload-image', '--delta', 'delta.img', resaved]);
      const sent = /sent .* of .*: (\d+) of (\d+) blocks changed/.exec(delta.stderr);
      if (delta.code !== 0 || sent === null) errors.push(`${label}: upload-image --delta exit ${delta.code}: ${delta.stderr.trim()}`);
      const steps = await serverSteps(join(serverDir, 'requests.log'));
      // The server lists the new version's blocks in the background: not while the next upload is timed.
      await blocksListed(site, api);
      await writeRandomBlocks(resaved, size, EVERY);
      await warm(resaved);
      const full = await cli(site, url, ['upload-image', 'delta.img', resaved]);
      if (full.code !== 0) errors.push(`${label}: upload-image exit ${full.code}: ${full.stderr.trim()}`);
      await blocksListed(site, api);
      await rollback();
      return { label, delta: { seconds: delta.seconds, bytes: Number(sent?.[1] ?? NaN) * BLOCK }, full: { seconds: full.seconds, bytes: size }, steps };
    };
    const measurements = [await measure('loopback', api)];
    if (options.link !== undefined) {
      const link = await startRateLimitedLink(Number(new URL(api).port), options.link.bytesPerSecond);
      closing.push(() => link.close());
      measurements.push(await measure(`${options.link.label} link`, `https://localhost:${link.port}`));
    }
    return { size, blocks, changedBlocks, store, measurements, errors };
  } finally {
    for (const close of closing.reverse()) await close().catch((error: unknown) => log(`bench: delta-resave: cleanup: ${String(error)}`));
    await rm(dir, { recursive: true, force: true });
  }
}

/** The file system type of `path` (ext4, xfs, tmpfs…). */
function fileSystemOf(path: string): string {
  return spawnSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', path], { encoding: 'utf8' }).stdout.trim() || 'unknown';
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

function formatMeasurement(m: DeltaMeasurement): string[] {
  const bytesShare = m.delta.bytes / m.full.bytes;
  const timeShare = m.delta.seconds / m.full.seconds;
  const steps = m.steps === undefined ? '' : `  (server: create + copy ${(m.steps.create / 1000).toFixed(1)} s, commit hash ${(m.steps.commit / 1000).toFixed(1)} s)`;
  return [
    `  ${m.label}:`,
    `    whole upload   ${gib(m.full.bytes).padStart(10)} sent  ${m.full.seconds.toFixed(1).padStart(6)} s`,
    `    delta upload   ${gib(m.delta.bytes).padStart(10)} sent  ${m.delta.seconds.toFixed(1).padStart(6)} s${steps}`,
    `    target delta ≤ 5 % of the bytes: ${(bytesShare * 100).toFixed(1)} % ${bytesShare <= 0.05 ? 'met' : 'NOT met'}; ≤ 20 % of the time: ${(timeShare * 100).toFixed(1)} % ${timeShare <= 0.2 ? 'met' : 'NOT met'}`,
  ];
}

/** The row's lines for the table and the targets (≤ 5 % of the bytes, ≤ 20 % of the time), per measurement. */
export function formatDeltaRow(r: DeltaRowResult): string[] {
  return [`delta-resave: ${gib(r.size)} image, ${r.changedBlocks} of ${r.blocks} blocks (8 MiB) changed; server store: ${r.store}`, ...r.measurements.flatMap(formatMeasurement)];
}
