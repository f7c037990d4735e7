// One measurement: what a batch of transfers cost a server. Before it, dirty pages are
// flushed (`sync`, so that one run's writeback does not slow the next) and the server's peak
// RSS is reset; during it, its resident memory is sampled; after it, the figures: aggregate
// MB/s (all bytes moved / wall time from the first client's start to the last one's end; MB =
// 10^6 bytes), server CPU seconds per GB (utime + stime of its processes, GB = 10^9 bytes),
// peak RSS (sampled sum of VmRSS, and the kernel's VmHWM since the reset).
import { spawnSync } from 'node:child_process';
import { cpuSeconds, peakBytes, resetPeaks, sampleResident } from './proc-stats.js';

export interface Measurement {
  readonly seconds: number;
  readonly bytes: number;
  readonly mbPerSecond: number;
  readonly cpuSecondsPerGb: number;
  /** Largest sampled VmRSS sum, MB (10^6). */
  readonly peakRssMb: number;
  /** Sum of VmHWM since the reset, MB; 0 when the reset was refused. */
  readonly hwmMb: number;
  /** One line per failed transfer. */
  readonly errors: readonly string[];
}

export interface Batch {
  readonly seconds: number;
  readonly outcomes: ReadonlyArray<{ readonly problem: string | null }>;
}

export function syncDisks(): number {
  const started = Date.now();
  spawnSync('sync', { stdio: 'ignore', timeout: 600_000 });
  return (Date.now() - started) / 1000;
}

/**
 * Runs `run` `repeat` times (each measured, with `between` after each) and keeps the fastest:
 * on this VM the noise only ever slows a run down (memory the host reclaimed must be faulted
 * in again), so the fastest run is the closest to what the software does. The peak memory
 * reported is the largest of all runs, and every failure of any run is kept.
 */
export async function measureBest(
  repeat: number, pids: () => number[], bytes: number, run: () => Promise<Batch>, between: () => Promise<unknown> = async () => {},
): Promise<Measurement & { readonly runs: readonly number[] }> {
  const all: Measurement[] = [];
  for (let i = 0; i < repeat; i += 1) {
    all.push(await measure(pids, bytes, run));
    await between();
  }
  const best = all.reduce((a, b) => (b.mbPerSecond > a.mbPerSecond ? b : a));
  return {
    ...best,
    peakRssMb: Math.max(...all.map((m) => m.peakRssMb)),
    hwmMb: Math.max(...all.map((m) => m.hwmMb)),
    errors: all.flatMap((m) => m.errors),
    runs: all.map((m) => m.mbPerSecond),
  };
}

export async function measure(pids: () => number[], bytes: number, run: () => Promise<Batch>): Promise<Measurement> {
  syncDisks();
  const before = pids();
  const reset = resetPeaks(before);
  const cpuBefore = cpuSeconds(before);
  const sampler = sampleResident(() => before); // a server's processes stay the same during a run
  const batch = await run();
  const peak = sampler.stop();
  const after = pids();
  const cpu = cpuSeconds(after) - cpuBefore;
  const hwm = reset ? peakBytes(after) : 0;
  const errors = batch.outcomes.flatMap((outcome, i) => (outcome.problem === null ? [] : [`client ${i + 1}: ${outcome.problem}`]));
  return {
    seconds: batch.seconds,
    bytes,
    mbPerSecond: bytes / 1e6 / batch.seconds,
    cpuSecondsPerGb: cpu / (bytes / 1e9),
    peakRssMb: peak / 1e6,
    hwmMb: hwm / 1e6,
    errors,
  };
}
