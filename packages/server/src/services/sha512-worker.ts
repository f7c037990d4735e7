/**
 * Computes, in the background, the sha512 of every blob an image list names (HEPiX lists carry
 * `sl:checksum:sha512`; uploads hash sha256 only, and the upload path must stay as fast as it
 * is). Each blob is read once through the blob store as a stream (constant memory) and its
 * digest stored; blobs never change, so it is never computed again. The worker looks for work
 * when woken (an image joined a list, a subscriber fetched a list with images still waiting)
 * and every `intervalMs` (a new upload of a listed image on another instance). Two instances
 * may hash the same blob at once; the second record is a no-op. A blob that cannot be read is
 * reported and retried at the next tick.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ImageListStore } from '../metadata/image-list-store.js';
import type { BlobStore } from '../storage/index.js';

export interface Sha512Worker {
  /** Looks for work now (soon, if a pass is running). */
  wake(): void;
  /** Also looks every `intervalMs`, until stop(); the timer does not keep the process alive. */
  start(): void;
  /** Stops the timer and waits for the pass in progress. */
  stop(): Promise<void>;
}

export interface Sha512WorkerOptions {
  /** Default 10 s. */
  readonly intervalMs?: number;
  /** Told about blobs that could not be read. */
  readonly report?: (line: string) => void;
}

const BATCH = 16;

async function sha512OfBlob(blobs: BlobStore, key: string): Promise<string> {
  const hash = createHash('sha512');
  await pipeline(await blobs.read(key), hash);
  return hash.digest('hex');
}

export function createSha512Worker(store: Pick<ImageListStore, 'blobsAwaitingSha512' | 'recordSha512'>, blobs: BlobStore, options: Sha512WorkerOptions = {}): Sha512Worker {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function pass(): Promise<void> {
    const failed = new Set<string>();
    for (;;) {
      const keys = (await store.blobsAwaitingSha512(BATCH + failed.size)).filter((key) => !failed.has(key));
      if (keys.length === 0 || stopped) return;
      for (const key of keys) {
        try {
          await store.recordSha512(key, await sha512OfBlob(blobs, key));
        } catch (error) {
          failed.add(key);
          options.report?.(`computing the sha512 of blob ${key} failed: ${error instanceof Error ? error.message : String(error)}`);
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
      .catch((error: unknown) => options.report?.(`looking for blobs to hash failed: ${error instanceof Error ? error.message : String(error)}`))
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
