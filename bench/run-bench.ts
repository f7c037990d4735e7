// `npm run bench`: repoman-server against nginx on loopback, after the paper's §4 protocol
// (1 to 9 simultaneous curl clients moving one image each: HTTPS and plain-HTTP downloads,
// HTTPS uploads to disk and to a tmpfs), the repoman command against curl, and a scale run of
// 150 simultaneous downloads, and a delta re-save (lib/delta-row.ts) against a whole upload. Prints one table with the ratios repoman/nginx and the targets,
// and writes results.csv, results.svg and results.txt under --out (bench/results). Exits 1 when
// any transfer failed (curl error, wrong status, size or sha256), never because of a ratio.
// --smoke prints only whether every transfer arrived whole (lib/smoke-summary.ts), then runs
// the API rows for a second each. --api runs the metadata API bench (lib/api-bench.ts) instead
// of the transfer rows and writes api-results.txt; it exits 1 when a request failed.
// See docs/performance.md; options: bench/lib/bench-options.ts.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_ROWS, parseBenchOptions, THROUGHPUT_ROWS, type BenchOptions } from './lib/bench-options.js';
import { runApiBench, type ApiRowResult } from './lib/api-bench.js';
import { checkApiTargets, formatApiTable } from './lib/api-table.js';
import { openBenchSite } from './lib/bench-site.js';
import { runClientRow } from './lib/client-rows.js';
import { formatDeltaRow, runDeltaRow } from './lib/delta-row.js';
import { describeMachine } from './lib/machine-info.js';
import { toCsv } from './lib/results-csv.js';
import { toSvg } from './lib/results-plot.js';
import { checkTargets, formatTable, peakMb } from './lib/results-table.js';
import { runScale } from './lib/scale-run.js';
import { smokeSummary } from './lib/smoke-summary.js';
import { runThroughputRow, type RowResult } from './lib/throughput-rows.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function progress(result: RowResult): void {
  const status = result.errors.length === 0 ? '' : `  FAILED: ${result.errors.join('; ')}`;
  const runs = (result.runs?.length ?? 0) > 1 ? `  runs ${result.runs?.map((r) => r.toFixed(0)).join('/')}` : '';
  log(`bench: ${result.row.padEnd(22)} n=${String(result.clients).padEnd(3)} ${result.server.padEnd(11)} ${result.mbPerSecond.toFixed(0).padStart(6)} MB/s`
    + `  ${result.cpuSecondsPerGb.toFixed(2).padStart(5)} CPU s/GB  peak ${peakMb(result).toFixed(0).padStart(4)} MB  (${result.seconds.toFixed(1)} s)${runs}${status}`);
}

function apiProgress(r: ApiRowResult): void {
  log(`bench: ${r.row.padEnd(24)} ${r.server.padEnd(17)} ${r.requestsPerSecond.toFixed(0).padStart(6)} req/s  ${r.cpuMsPerRequest.toFixed(3)} CPU ms/req`
    + `  p99 ${r.p99Ms} ms  peak ${r.peakMb.toFixed(0)} MB${r.failures.length > 0 ? `  FAILED: ${r.failures.join('; ')}` : ''}`);
}

/** The API bench; answers its failures (one line each). */
async function apiBench(options: BenchOptions): Promise<string[]> {
  const started = Date.now();
  const results = await runApiBench({ databases: options.apiDatabases, seconds: options.apiSeconds, concurrency: options.apiConnections, rows: options.apiRows, cold: options.apiCold, hostKey: options.apiHostKey, log }, apiProgress);
  const caption = `repoman metadata API vs nginx (static answers), ab over HTTPS, ${options.apiConnections} connections, ${options.apiSeconds} s per row${options.apiCold ? ', answer cache off' : ''}${options.apiHostKey === 'ec' ? ', ECDSA host key' : ''}`;
  const table = formatApiTable(results);
  const targets = checkApiTargets(results);
  const failures = results.flatMap((r) => r.failures.map((f) => `${r.row} ${r.server}: ${f}`));
  await mkdir(options.out, { recursive: true });
  await writeFile(join(options.out, 'api-results.txt'), [caption, describeMachine({}), '', table, '', ...targets, '', `${failures.length} failed rows; ${((Date.now() - started) / 60_000).toFixed(1)} min`, ...failures, ''].join('\n'));
  const smokeLine = `api smoke: ${results.length} measurements, ${failures.length === 0 ? 'every request answered' : `${failures.length} FAILED`}`;
  // After the transfer smoke, its one stdout line stays the run's result (CI reads it); this one goes to the log.
  if (options.smoke && !options.api) log(`bench: ${smokeLine}`);
  else process.stdout.write(options.smoke ? `${smokeLine}\n` : `\n${table}\n\n${targets.join('\n')}\n\n`);
  log(`bench: wrote ${join(options.out, 'api-results.txt')}`);
  return failures;
}

async function main(options: BenchOptions): Promise<number> {
  if (options.api) {
    const failures = await apiBench(options);
    if (failures.length > 0) log(`bench: ${failures.length} API row(s) failed:\n  ${failures.join('\n  ')}`);
    return failures.length > 0 ? 1 : 0;
  }
  for (const cli of ['packages/server/dist/cli.js', 'packages/client/dist/cli.bundle.js']) {
    if (!existsSync(join(ROOT, cli))) throw new Error(`${cli} is missing: run npm run build first`);
  }
  const started = Date.now();
  const clientRows = CLIENT_ROWS.filter((row) => options.rows.includes(row));
  const site = await openBenchSite({
    size: options.size, scaleSize: options.scaleSize, uploadSlots: Math.max(1, ...options.clients), log,
  });
  const results: RowResult[] = [];
  let deltaLines: string[] = [];
  const deltaErrors: string[] = [];
  let machine = '';
  try {
    machine = describeMachine({ 'disk directory': site.diskDir, 'tmpfs directory': site.tmpfsDir });
    log(machine);
    for (const row of THROUGHPUT_ROWS) {
      if (options.rows.includes(row)) results.push(...await runThroughputRow(site, row, options.clients, options.servers, options.verify, options.repeat, progress));
    }
    for (const row of clientRows) results.push(...await runClientRow(site, row, options.repeat, progress));
    if (options.rows.includes('scale')) results.push(...await runScale(site, options.scaleClients, options.servers, progress));
    if (options.rows.includes('delta-resave')) {
      const delta = await runDeltaRow(site, options.deltaSize, log, { link: options.deltaLink, store: options.deltaStore });
      deltaLines = formatDeltaRow(delta);
      deltaErrors.push(...delta.errors.map((e) => `delta-resave: ${e}`));
      for (const line of deltaLines) log(`bench: ${line}`);
    }
  } finally {
    await site.close();
  }

  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const caption = `repoman vs nginx, ${options.size} bytes per client, loopback; ${machine.split('\n')[0] ?? ''}`;
  const table = formatTable(results);
  const targets = checkTargets(results);
  const failures = [...results.flatMap((r) => r.errors.map((e) => `${r.row} n=${r.clients} ${r.server}: ${e}`)), ...deltaErrors];
  await mkdir(options.out, { recursive: true });
  await writeFile(join(options.out, 'results.csv'), toCsv(results));
  await writeFile(join(options.out, 'results.svg'), toSvg(results, caption));
  const text = [`${caption}\n`, machine, '', table, '', ...targets, '', ...deltaLines, '', `${failures.length} failed transfers; ${minutes} min`, ...failures, ''].join('\n');
  await writeFile(join(options.out, 'results.txt'), text);
  process.stdout.write(options.smoke ? `${smokeSummary(results, failures)}\n` : `\n${table}\n\n${targets.join('\n')}\n\n${deltaLines.map((l) => `${l}\n`).join('')}\n`);
  log(`bench: wrote ${join(options.out, 'results.{csv,svg,txt}')} in ${minutes} min`);
  if (options.smoke) failures.push(...await apiBench(options));
  if (failures.length > 0) {
    log(`bench: ${failures.length} transfer(s) failed:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2), ROOT);
} catch (error) {
  log((error as Error).message);
  process.exit(2);
}
main(options).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(1);
  },
);
