/**
 * Readiness (SPEC §3 `/healthz`): a server that cannot write its database or its storage is not
 * ready. The probe really writes: a no-op update committed to the database, and one byte uploaded
 * to the blob store and cancelled, so that a locked or read-only database and a full or
 * unreachable storage are seen. Probes are rate-limited (at most one per `intervalMs`, callers
 * meanwhile share the last answer or the probe in flight), so that a load balancer polling
 * often costs nothing.
 */
import { Readable } from 'node:stream';
import type { MetadataStores } from '../metadata/metadata-store.js';
import type { BlobStore } from '../storage/index.js';

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string; readonly cause: unknown };

export const READINESS_INTERVAL_MS = 2000;

export type ReadinessProbe = () => Promise<Readiness>;

export function createReadinessProbe(
  metadata: Pick<MetadataStores, 'probeWrite'>,
  blobs: Pick<BlobStore, 'createUpload'>,
  options: { readonly intervalMs?: number } = {},
): ReadinessProbe {
  const intervalMs = options.intervalMs ?? READINESS_INTERVAL_MS;
  let last: { at: number; answer: Promise<Readiness> } | undefined;

  async function probe(): Promise<Readiness> {
    try {
      await metadata.probeWrite();
    } catch (cause) {
      return { ready: false, reason: `the metadata database cannot be written: ${describe(cause)}`, cause };
    }
    try {
      const upload = await blobs.createUpload();
      try {
        await upload.write(Readable.from([Buffer.from('ready?\n')]));
      } finally {
        await upload.cancel();
      }
    } catch (cause) {
      return { ready: false, reason: `the image storage cannot be written: ${describe(cause)}`, cause };
    }
    return { ready: true };
  }

  return () => {
    const now = Date.now();
    if (last === undefined || now - last.at >= intervalMs) last = { at: now, answer: probe() };
    return last.answer;
  };
}

/** The error's code (SQLITE_BUSY, ENOSPC, …) only: messages may hold paths or credentials. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown; Code?: unknown } | null)?.code ?? (error as { Code?: unknown } | null)?.Code;
  return typeof code === 'string' ? code : 'it failed';
}
