/**
 * Garbage collection of image bytes (distribution's purgeuploads, plus a mark-and-sweep of
 * blobs). Two kinds of leftovers: temporary uploads nobody settled (a killed server) — removed
 * by the blob store once older than `uploadAgeMs` (24 h: uploads in progress in another
 * instance are protected by their age only) — and committed blobs no image row names any more
 * nor kept version names (a deleted image, a dropped version) — removed once their committedAt is older than `graceMs`
 * (1 h), so that an upload that committed its blob but has not yet switched its row is never
 * robbed. Keys are re-checked against the rows right before each delete. Resumable uploads
 * are swept by their rows instead: an expired row (`[limits] upload_expiry` after its last
 * PATCH) is taken by one instance, which cancels its partial bytes; unexpired ones are never
 * touched, however old. Resumable uploads in storage that no row names (a server killed
 * between creating one and writing its row, or while a delta upload's blocks were being
 * copied) are cancelled once unwritten for `[limits] upload_expiry` plus a margin, so that
 * any row that named them would have expired. It runs once at start and then on a timer; a failing sweep is
 * reported and retried at the next tick.
 */
import type { ImageStore } from '../metadata/image-store.js';
import type { UploadStore } from '../metadata/upload-store.js';
import type { BlobStore } from '../storage/index.js';

export interface SweepResult {
  /** Abandoned temporary uploads removed. */
  readonly uploads: number;
  /** Unreferenced blobs removed. */
  readonly blobs: number;
  /** Expired resumable uploads removed (row and bytes). */
  readonly expired: number;
  /** Resumable uploads in storage that no row named, removed. */
  readonly orphans: number;
}

export interface BlobSweeperOptions {
  /** Temporary uploads at least this old (since their last write) are abandoned. Default 24 h. */
  readonly uploadAgeMs?: number;
  /** Unreferenced blobs committed at least this long ago are removed. Default 1 h. */
  readonly graceMs?: number;
  /** Time between sweeps. Default 1 h. */
  readonly intervalMs?: number;
  /** Told about every sweep that removed something, and about failures. */
  readonly report?: (line: string) => void;
  readonly now?: () => number;
  /** The resumable uploads' rows; their expired uploads are removed with their bytes, and stored uploads no row names too. */
  readonly resumable?: Pick<UploadStore, 'takeExpired' | 'namesStorage'>;
  /**
   * Resumable uploads in storage that no row names are removed once unwritten this long:
   * `[limits] upload_expiry` plus a margin. Default 25 h (the default expiry, 24 h, plus one).
   */
  readonly orphanAgeMs?: number;
}

export const HOUR_MS = 3600_000;

export interface BlobSweeper {
  /** Removes abandoned temporary uploads only. */
  sweepUploads(): Promise<number>;
  /** One full sweep: uploads, then unreferenced blobs. */
  sweep(): Promise<SweepResult>;
  /** Sweeps every `intervalMs` until stop() (the timer does not keep the process alive). */
  start(): void;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

export function createBlobSweeper(images: Pick<ImageStore, 'referencedBlobKeys' | 'isBlobReferenced'>, blobs: BlobStore, options: BlobSweeperOptions = {}): BlobSweeper {
  const uploadAgeMs = options.uploadAgeMs ?? 24 * HOUR_MS;
  const graceMs = options.graceMs ?? HOUR_MS;
  const intervalMs = options.intervalMs ?? HOUR_MS;
  const orphanAgeMs = options.orphanAgeMs ?? 25 * HOUR_MS;
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function sweepBlobs(): Promise<number> {
    const referenced = await images.referencedBlobKeys();
    const cutoff = now() - graceMs;
    let removed = 0;
    for await (const key of blobs.list()) {
      if (referenced.has(key)) continue;
      const stat = await blobs.stat(key);
      if (stat === null || stat.committedAt.getTime() > cutoff) continue;
      if (await images.isBlobReferenced(key)) continue;
      await blobs.delete(key);
      removed += 1;
    }
    return removed;
  }

  async function sweepExpired(): Promise<number> {
    const expired = (await options.resumable?.takeExpired(new Date(now()))) ?? [];
    for (const upload of expired) await blobs.openResumable(upload.storageHandle).cancel();
    return expired.length;
  }

  async function sweepOrphans(): Promise<number> {
    const rows = options.resumable;
    if (rows === undefined) return 0;
    // Ages are measured against the storage's clock: `now` does not apply.
    let removed = 0;
    for await (const { handle } of blobs.listResumable(orphanAgeMs)) {
      if (await rows.namesStorage(handle)) continue;
      await blobs.openResumable(handle).cancel();
      removed += 1;
    }
    return removed;
  }

  async function sweep(): Promise<SweepResult> {
    const expired = await sweepExpired();
    const orphans = await sweepOrphans();
    const uploads = await blobs.sweepUploads(uploadAgeMs);
    const removed = await sweepBlobs();
    return { uploads, blobs: removed, expired, orphans };
  }

  const tick = (): void => {
    if (running !== undefined) return; // the previous sweep is still going
    running = sweep().then(
      (result) => {
        if (result.uploads + result.blobs + result.expired + result.orphans > 0) {
          options.report?.(
            `swept ${result.uploads} abandoned upload(s), ${result.expired} expired resumable upload(s), ${result.orphans} resumable upload(s) no row named and ${result.blobs} unreferenced blob(s)`,
          );
        }
      },
      (error: unknown) => options.report?.(`sweeping image storage failed: ${error instanceof Error ? error.message : String(error)}`),
    ).finally(() => {
      running = undefined;
    });
  };

  return {
    sweepUploads: () => blobs.sweepUploads(uploadAgeMs),
    sweep,
    start() {
      if (timer !== undefined) return;
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
