// The `delta-resave` row (issue [5/9] item 4): an image re-saved with 2 % of its 8 MiB blocks
// changed, sent by `repoman upload-image --delta` (only the changed blocks; the server copies
// the rest from the previous version with copy_file_range and hashes the whole result) against
// the same file sent whole by `repoman upload-image`, both to the repoman whose storage is on
// disk, timed as a user sees them (process start to exit). Bytes moved are the client's own
// count ("sent X of Y") for the delta and the file's size for the whole upload. Before each
// delta run the image is rolled back to the original (its block list is kept by blob, so it is
// ready at once); before the first, the bench waits for the server to list the original's
// blocks in the background. Default 4 GiB (`--delta-size`); `--smoke` uses 32 MiB.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchSite } from './bench-site.js';

const CLIENT_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/client/dist/cli.bundle.js');
const MiB = 1024 * 1024;
const BLOCK = 8 * MiB;
/** One block in 50 changed: 2 %. */
const EVERY = 50;

export interface DeltaRowResult {
  readonly size: number;
  readonly blocks: number;
  readonly changedBlocks: number;
  readonly delta: { readonly seconds: number; readonly bytes: number };
  readonly full: { readonly seconds: number; readonly bytes: number };
  readonly errors: string[];
}

async function cli(site: BenchSite, args: readonly string[]): Promise<{ seconds: number; stderr: string; code: number | null }> {
  const home = join(site.diskDir, 'client-home');
  await mkdir(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, REPOMAN_SERVER: site.repomanDisk.httpsUrl, X509_USER_PROXY: site.admin.proxyPath, X509_CERT_DIR: site.site.caDir,
  };
  const started = performance.now();
  const child = spawn(process.execPath, [CLIENT_CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((done) => child.once('close', done));
  return { seconds: (performance.now() - started) / 1000, stderr, code };
}

/** curl as the admin; the HTTP status. */
async function curlStatus(site: BenchSite, args: readonly string[]): Promise<number> {
  const child = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...site.credentialArgs, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await new Promise((done) => child.once('close', done));
  return Number(out);
}

/** `size` random bytes, written 8 MiB at a time. */
async function randomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let at = 0; at < size; at += BLOCK) await file.write(randomBytes(Math.min(BLOCK, size - at)), 0, Math.min(BLOCK, size - at), at);
  } finally {
    await file.close();
  }
}

/** A copy of `source` with one block in EVERY rewritten; how many blocks changed. */
async function changedCopy(source: string, target: string, size: number): Promise<number> {
  await copyFile(source, target);
  const file = await open(target, 'r+');
  let changed = 0;
  try {
    for (let index = 0; index * BLOCK < size; index += EVERY) {
      const length = Math.min(BLOCK, size - index * BLOCK);
      await file.write(randomBytes(length), 0, length, index * BLOCK);
      changed += 1;
    }
  } finally {
    await file.close();
  }
  return changed;
}

export async function runDeltaRow(site: BenchSite, size: number, log: (line: string) => void): Promise<DeltaRowResult> {
  const dir = join(site.diskDir, 'delta');
  await mkdir(dir, { recursive: true });
  const original = join(dir, 'original.img');
  const resaved = join(dir, 'resaved.img');
  const errors: string[] = [];
  const blocks = Math.ceil(size / BLOCK);
  try {
    await randomFile(original, size);
    const changedBlocks = await changedCopy(original, resaved, size);
    const made = await cli(site, ['create-image', 'delta.img', '--file', original]);
    if (made.code !== 0) throw new Error(`create-image exit ${made.code}: ${made.stderr.trim()}`);
    const blocksUrl = `${site.repomanDisk.httpsUrl}/api/images/admin/delta.img/versions/1/blocks`;
    for (let waited = 0; (await curlStatus(site, [blocksUrl])) !== 200; waited += 1) {
      if (waited > 600) throw new Error('the server did not list the blocks of version 1 within 5 minutes');
      await new Promise((done) => setTimeout(done, 500));
    }
    log(`bench: delta-resave: ${blocks} blocks listed by the server; ${changedBlocks} changed`);

    const delta = await cli(site, ['upload-image', '--delta', 'delta.img', resaved]);
    const sent = /sent .* of .*: (\d+) of (\d+) blocks changed/.exec(delta.stderr);
    if (delta.code !== 0 || sent === null) errors.push(`upload-image --delta exit ${delta.code}: ${delta.stderr.trim()}`);
    const deltaBytes = Number(sent?.[1] ?? NaN) * BLOCK;

    if ((await curlStatus(site, ['-X', 'POST', '-H', 'content-type: application/json', '--data', '{"version":1}', `${site.repomanDisk.httpsUrl}/api/images/admin/delta.img/rollback`])) !== 200) {
      errors.push('rollback to version 1 failed');
    }
    const full = await cli(site, ['upload-image', 'delta.img', resaved]);
    if (full.code !== 0) errors.push(`upload-image exit ${full.code}: ${full.stderr.trim()}`);
    return { size, blocks, changedBlocks, delta: { seconds: delta.seconds, bytes: deltaBytes }, full: { seconds: full.seconds, bytes: size }, errors };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The row's lines for the table and the targets (≤ 5 % of the bytes, ≤ 20 % of the time). */
export function formatDeltaRow(r: DeltaRowResult): string[] {
  const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  const bytesShare = r.delta.bytes / r.full.bytes;
  const timeShare = r.delta.seconds / r.full.seconds;
  return [
    `delta-resave: ${gib(r.size)} image, ${r.changedBlocks} of ${r.blocks} blocks (8 MiB) changed`,
    `  whole upload   ${gib(r.full.bytes).padStart(10)} sent  ${r.full.seconds.toFixed(1).padStart(6)} s`,
    `  delta upload   ${gib(r.delta.bytes).padStart(10)} sent  ${r.delta.seconds.toFixed(1).padStart(6)} s`,
    `  target delta ≤ 5 % of the bytes: ${(bytesShare * 100).toFixed(1)} % ${bytesShare <= 0.05 ? 'met' : 'NOT met'}; ≤ 20 % of the time: ${(timeShare * 100).toFixed(1)} % ${timeShare <= 0.2 ? 'met' : 'NOT met'}`,
  ];
}
