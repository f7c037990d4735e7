// What the two blob-store throughput programs share: a source shaped like an HTTPS upload, a
// timer that prints MB/s and this process's CPU, and a drain for reads.
import { Readable } from 'node:stream';

const MiB = 1024 * 1024;

/** What arrives from a TLS socket: 16 KiB chunks, from `block` in memory so only the store is timed. */
export function tlsLikeSource(totalBytes: number, block: Buffer): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= totalBytes) return void this.push(null);
      const offset = sent % MiB;
      this.push(block.subarray(offset, offset + 16 * 1024));
      sent += 16 * 1024;
    },
  });
}

/** Runs `run` and prints MB/s for `totalBytes`, and the CPU time this process spent (servers it talks to are not counted). */
export async function timed(label: string, totalBytes: number, run: () => Promise<unknown>): Promise<void> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { user, system } = process.cpuUsage(cpu);
  const cpuSeconds = (user + system) / 1e6;
  console.log(`${label.padEnd(56)} ${(totalBytes / 1e6 / seconds).toFixed(0).padStart(6)} MB/s  (${seconds.toFixed(2)} s, node CPU ${cpuSeconds.toFixed(2)} s)`);
}

export async function drain(stream: Readable): Promise<void> {
  for await (const chunk of stream) void chunk;
}
