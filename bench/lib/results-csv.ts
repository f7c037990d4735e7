// The results as CSV, one line per server, row and client count, every figure kept.
import type { RowResult } from './throughput-rows.js';

export function toCsv(results: readonly RowResult[]): string {
  const header = 'row,server,clients,bytes,seconds,mb_per_s,cpu_s_per_gb,peak_rss_mb,hwm_mb,sync_s,mb_per_s_all_runs,errors';
  const lines = results.map((r) => [
    r.row, r.server, r.clients, r.bytes, r.seconds.toFixed(3), r.mbPerSecond.toFixed(1), r.cpuSecondsPerGb.toFixed(3),
    r.peakRssMb.toFixed(1), r.hwmMb.toFixed(1), r.syncSeconds.toFixed(2),
    (r.runs ?? [r.mbPerSecond]).map((v) => v.toFixed(0)).join(' '), JSON.stringify(r.errors.join('; ')),
  ].join(','));
  return [header, ...lines].join('\n') + '\n';
}
