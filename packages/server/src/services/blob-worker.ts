/**
 * A background worker that computes something once per blob (its sha512 for image lists, its
 * block list for delta re-saves), never on the upload path. It asks `job.awaiting` for keys
 * with no result yet and runs `job.compute` on each, one at a time, until none is left; it looks
 * when woken and every `intervalMs` (work committed by another instance). Two instances may
 * compute the same blob at once; the job's record is then a no-op. A blob that fails is reported
 * and retried at the next pass.
 */

export interface BlobWorker {
  /** Looks for work now (soon, if a pass is running). */
  wake(): void;
  /** Also looks every `intervalMs`, until stop(); the timer does not keep the process alive. */
  start(): void;
  /** Stops the timer and waits for the pass in progress. */
  stop(): Promise<void>;
}

export interface BlobWorkerOptions {
  /** Default 10 s. */
  readonly intervalMs?: number;
  /** Told about blobs that could not be read. */
  readonly report?: (line: string) => void;
}

export interface BlobJob {
  /** What is computed, for reports ("the sha512"). */
  readonly what: string;
  /** Keys still waiting, at most `limit`. */
  awaiting(limit: number): Promise<string[]>;
  /** Computes and records the result for `key`. */
  compute(key: string): Promise<void>;
}

const BATCH = 16;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createBlobWorker(job: BlobJob, options: BlobWorkerOptions = {}): BlobWorker {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function pass(): Promise<void> {
    const failed = new Set<string>();
    for (;;) {
      const keys = (await job.awaiting(BATCH + failed.size)).filter((key) => !failed.has(key));
      if (keys.length === 0 || stopped) return;
      for (const key of keys) {
        if (stopped) return;
        try {
          await job.compute(key);
        } catch (error) {
          failed.add(key);
          options.report?.(`computing ${job.what} of blob ${key} failed: ${messageOf(error)}`);
        }
      }
    }
  }

  const wake = (): void => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = pass()
      .catch((error: unknown) => options.report?.(`looking for blobs to compute ${job.what} of failed: ${messageOf(error)}`))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  };

  return {
    wake,
    start() {
      if (timer !== undefined || stopped) return;
      wake();
      timer = setInterval(wake, options.intervalMs ?? 10_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      while (running !== undefined) await running;
    },
  };
}
