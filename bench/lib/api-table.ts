// The API bench's results as text: one line per row and server (nginx first, its ratio 1), and
// issue 19's targets checked one by one ("PASS …" / "MISS …"). Ratios compare requests per
// second with nginx's for the same row; costs compare CPU ms per request between rows of one
// server.
import type { ApiRowResult } from './api-bench.js';

const num = (value: number | undefined, digits: number, width: number): string =>
  (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits)).padStart(width);

const find = (results: readonly ApiRowResult[], row: string, server: string): ApiRowResult | undefined =>
  results.find((r) => r.row === row && r.server === server);

export function formatApiTable(results: readonly ApiRowResult[]): string {
  const head = `${'row'.padEnd(24)} ${'server'.padEnd(17)} | ${'req/s'.padStart(7)} ${'x nginx'.padStart(7)} | ${'CPU ms/req'.padStart(10)} | ${'p99 ms'.padStart(6)} | ${'peak MB'.padStart(7)}`;
  const lines = [head, '-'.repeat(head.length)];
  for (const r of results) {
    const nginx = find(results, r.row, 'nginx');
    lines.push(`${r.row.padEnd(24)} ${r.server.padEnd(17)} | ${num(r.requestsPerSecond, 0, 7)} ${num(nginx && r.requestsPerSecond / nginx.requestsPerSecond, 2, 7)}`
      + ` | ${num(r.cpuMsPerRequest, 3, 10)} | ${num(r.p99Ms, 0, 6)} | ${num(r.peakMb, 0, 7)}${r.failures.length > 0 ? `  FAILED: ${r.failures.join('; ')}` : ''}`);
  }
  return lines.join('\n');
}

export function checkApiTargets(results: readonly ApiRowResult[]): string[] {
  const lines: string[] = [];
  const check = (ok: boolean, what: string): void => void lines.push(`${ok ? 'PASS' : 'MISS'} ${what}`);
  for (const server of [...new Set(results.map((r) => r.server))].filter((name) => name !== 'nginx')) {
    const of = (row: string): ApiRowResult | undefined => find(results, row, server);
    const versusNginx = (row: string, target: number): void => {
      const r = of(row);
      const nginx = find(results, row, 'nginx');
      if (r && nginx) check(r.requestsPerSecond / nginx.requestsPerSecond >= target, `${server} ${row}: ${(r.requestsPerSecond / nginx.requestsPerSecond).toFixed(2)}x nginx (target >= ${target})`);
    };
    const costRatio = (row: string, base: string, target: number): void => {
      const r = of(row);
      const b = of(base);
      if (r && b) check(r.cpuMsPerRequest / b.cpuMsPerRequest <= target, `${server} ${row}: ${(r.cpuMsPerRequest / b.cpuMsPerRequest).toFixed(2)}x the CPU of ${base} (target <= ${target})`);
    };
    for (const row of ['whoami', 'metadata', 'HEAD raw']) {
      versusNginx(row, 0.25);
      const r = of(row);
      if (r) check(r.cpuMsPerRequest <= 0.1, `${server} ${row}: ${r.cpuMsPerRequest.toFixed(3)} ms CPU per request (target <= 0.1)`);
    }
    versusNginx('page, admin', 0.1);
    versusNginx('page, non-admin', 0.1);
    versusNginx('whoami, new connection', 0.8);
    costRatio('page, non-admin', 'page, admin', 1.5);
    costRatio('q= search, non-admin', 'page, non-admin', 2);
    costRatio('last page, admin', 'page, admin', 1.2);
    const rows = results.filter((r) => r.server === server);
    const worst = rows.reduce((a, b) => (b.p99Ms > a.p99Ms ? b : a), rows[0]!);
    check(worst.p99Ms <= 100, `${server} p99: at most ${worst.p99Ms} ms (${worst.row}) (target <= 100)`);
    const peak = Math.max(...rows.map((r) => r.peakMb));
    check(peak <= 230, `${server} peak RSS: ${peak.toFixed(0)} MB (target <= 230)`);
  }
  return lines;
}
