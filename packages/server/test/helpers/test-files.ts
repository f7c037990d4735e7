/**
 * Test-only helpers for files too big to hold in memory: random files written in chunks, a
 * sparse file with random bytes at its edges (gigabytes in no time and no disk), the sha256
 * of a file by streaming, and polling until a condition holds (a partial download appears, a
 * temporary upload is gone).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';

const CHUNK = 1024 * 1024;

/** Writes `size` random bytes to `path`, 1 MiB at a time. */
export async function randomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < size; written += CHUNK) await file.write(randomBytes(Math.min(CHUNK, size - written)));
  } finally {
    await file.close();
  }
}

/** A sparse file of `size` bytes: 1 MiB of random bytes at the start and at the end, zeros between. */
export async function sparseFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.truncate(size);
    await file.write(randomBytes(CHUNK), 0, CHUNK, 0);
    await file.write(randomBytes(CHUNK), 0, CHUNK, size - CHUNK);
  } finally {
    await file.close();
  }
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * CHUNK })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => ({ size: 0 }))).size;
}

/** Resolves once `condition` holds, checking every 20 ms; rejects after `timeoutMs` naming `what`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
