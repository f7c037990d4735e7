// What a server costs, read from /proc: CPU seconds (utime + stime of every process of the
// server: node's one process with all its threads, or nginx's master and workers) and resident
// memory (VmRSS summed over those processes, sampled; and VmHWM, the kernel's own peak, which
// writing "5" to /proc/<pid>/clear_refs resets so that each measurement has its own peak).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux build). */
const TICKS_PER_SECOND = 100;

/** `pid` and every process below it (nginx's workers; a node server has none). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat === null) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined && tree.length < 1000; next = queue.shift()) {
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

interface Stat {
  ppid: number;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
}

function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone meanwhile
  }
  // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
}

/** CPU seconds (user + system) used so far by these processes. */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (readStat(pid)?.cpuSeconds ?? 0), 0);
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident bytes now, summed (shared pages of nginx's workers count once per worker). */
export function residentBytes(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + statusField(pid, 'VmRSS'), 0);
}

/** Resets the kernel's peak RSS of each process; false where that is not allowed. */
export function resetPeaks(pids: readonly number[]): boolean {
  try {
    for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The kernel's peak RSS (VmHWM) summed over the processes. */
export function peakBytes(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + statusField(pid, 'VmHWM'), 0);
}

/** Samples the summed VmRSS of `pids()` every `intervalMs` until stopped; answers the largest. */
export function sampleResident(pids: () => readonly number[], intervalMs = 50): { stop(): number } {
  let peak = residentBytes(pids());
  const timer = setInterval(() => {
    peak = Math.max(peak, residentBytes(pids()));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, residentBytes(pids()));
    },
  };
}
