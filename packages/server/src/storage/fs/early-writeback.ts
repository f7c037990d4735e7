// Early writeback for the filesystem driver's uploads. An upload must be durable before it is
// committed (write() ends with fsync), and with the kernel's default dirty limits a gigabyte
// upload reaches that fsync with nearly all of its bytes still in memory: the client then
// waits for the whole disk write after the last byte was sent (the longer, the slower the
// disk). Starting an fdatasync every `everyBytes` lets the disk work while the bytes arrive,
// so the final fsync finds little left. Syncs run in libuv's thread pool, which reads and
// writes also need: at most `concurrency` run at once per store, and an upload whose turn
// does not come simply tries again after its next batch.
import type { FileHandle } from 'node:fs/promises';

export const DEFAULT_WRITEBACK_BYTES = 32 * 1024 * 1024;

export interface WritebackTracker {
  /** Records `bytes` more written to the file; may start a background fdatasync. */
  wrote(bytes: number): void;
  /** Resolves once no background sync is running on the file (errors are left to the final fsync). */
  settle(): Promise<void>;
}

export class EarlyWriteback {
  #running = 0;

  constructor(
    private readonly everyBytes: number = DEFAULT_WRITEBACK_BYTES,
    private readonly concurrency = 1,
  ) {}

  track(file: FileHandle): WritebackTracker {
    let pending = 0;
    let syncing: Promise<void> | undefined;
    return {
      wrote: (bytes) => {
        pending += bytes;
        if (pending < this.everyBytes || syncing !== undefined || this.#running >= this.concurrency) return;
        pending = 0;
        this.#running += 1;
        syncing = file.datasync().catch(() => {}).finally(() => {
          this.#running -= 1;
          syncing = undefined;
        });
      },
      settle: async () => {
        await syncing;
      },
    };
  }
}
