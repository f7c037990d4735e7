// The results as text: one line per row and client count with the baseline (nginx, or curl
// for the client rows) next to repoman and their ratios, then the targets of the issue
// checked one by one. Figures: MB/s (10^6 bytes), server CPU seconds per GB (10^9 bytes),
// peak resident MB (the larger of the sampled VmRSS sum and VmHWM).
import type { RowResult } from './throughput-rows.js';

export interface Pair {
  readonly row: string;
  readonly clients: number;
  readonly base: RowResult | undefined;
  readonly subject: RowResult | undefined;
}

const BASELINES = new Set(['nginx', 'curl']);

export function pairs(results: readonly RowResult[]): Pair[] {
  const keys = [...new Set(results.map((r) => `${r.row}\u0000${r.clients}`))];
  return keys.map((key) => {
    const [row = '', clients = '0'] = key.split('\u0000');
    const of = (base: boolean): RowResult | undefined =>
      results.find((r) => r.row === row && r.clients === Number(clients) && BASELINES.has(r.server) === base);
    return { row, clients: Number(clients), base: of(true), subject: of(false) };
  });
}

export const peakMb = (r: RowResult): number => Math.max(r.peakRssMb, r.hwmMb);
/** MB/s counting the `sync` after an upload: until its bytes are on disk. */
export const durableMbPerSecond = (r: RowResult): number => r.bytes / 1e6 / (r.seconds + r.syncSeconds);

const num = (value: number | undefined, digits: number, width: number): string =>
  (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits)).padStart(width);

export function formatTable(results: readonly RowResult[]): string {
  const head = `${'row'.padEnd(22)}${'n'.padStart(4)} | ${'MB/s base'.padStart(9)} ${'repoman'.padStart(8)} ${'ratio'.padStart(6)}`
    + ` | ${'CPU s/GB base'.padStart(13)} ${'repoman'.padStart(8)} ${'ratio'.padStart(6)} | ${'peak MB base'.padStart(12)} ${'repoman'.padStart(8)}`
    + ` | ${'durable ratio'.padStart(13)}`;
  const lines = [head, '-'.repeat(head.length)];
  for (const { row, clients, base, subject } of pairs(results)) {
    const ratio = (f: (r: RowResult) => number): number | undefined => (base && subject ? f(subject) / f(base) : undefined);
    const durable = row === 'https-put-disk' ? ratio(durableMbPerSecond) : undefined;
    lines.push(`${row.padEnd(22)}${String(clients).padStart(4)} | ${num(base?.mbPerSecond, 0, 9)} ${num(subject?.mbPerSecond, 0, 8)} ${num(ratio((r) => r.mbPerSecond), 2, 6)}`
      + ` | ${num(base?.cpuSecondsPerGb, 2, 13)} ${num(subject?.cpuSecondsPerGb, 2, 8)} ${num(ratio((r) => r.cpuSecondsPerGb), 2, 6)}`
      + ` | ${num(base && peakMb(base), 0, 12)} ${num(subject && peakMb(subject), 0, 8)} | ${num(durable, 2, 13)}`);
  }
  lines.push('base: nginx (client rows: curl; tus-upload: curl PUT); repoman: repoman-server (client rows: the repoman command; tus-upload: curl POST + PATCH); n: simultaneous clients');
  return lines.join('\n');
}

/** The targets, each "PASS …" or "MISS …". */
export function checkTargets(results: readonly RowResult[]): string[] {
  const lines: string[] = [];
  const check = (ok: boolean, what: string): void => void lines.push(`${ok ? 'PASS' : 'MISS'} ${what}`);
  for (const { row, clients, base, subject } of pairs(results)) {
    if (!base || !subject) continue;
    const label = `${row} n=${clients}`;
    if (row === 'tus-upload') {
      const ratio = subject.mbPerSecond / base.mbPerSecond;
      check(ratio >= 0.9, `${label}: resumable upload (POST + one PATCH) at ${ratio.toFixed(2)}x a single PUT (target >= 0.9)`);
      continue;
    }
    if (row.startsWith('client-')) {
      const ratio = subject.mbPerSecond / base.mbPerSecond;
      check(ratio >= 0.8, `${label}: repoman command at ${ratio.toFixed(2)}x curl (target >= 0.8)`);
      continue;
    }
    if (row === 'scale') {
      check(peakMb(subject) < 400, `${label}: repoman peak ${peakMb(subject).toFixed(0)} MB (target < 400)`);
      continue;
    }
    const throughput = subject.mbPerSecond / base.mbPerSecond;
    const cpu = subject.cpuSecondsPerGb / base.cpuSecondsPerGb;
    check(throughput >= 0.9, `${label}: throughput ${throughput.toFixed(2)}x nginx (target >= 0.9)`);
    check(cpu <= 1.3, `${label}: CPU per GB ${cpu.toFixed(2)}x nginx (target <= 1.3)`);
    if (clients <= 9) check(peakMb(subject) < 200, `${label}: repoman peak ${peakMb(subject).toFixed(0)} MB (target < 200)`);
  }
  return lines;
}
