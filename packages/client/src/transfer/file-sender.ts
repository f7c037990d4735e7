/**
 * Sends a file's bytes to a Writable (an upload's request) from two reused 1 MiB buffers: one
 * is being written while the next is read (a pread in libuv's thread pool), and a buffer is
 * refilled only once its write has called back. fs.ReadStream allocates a fresh buffer per
 * read instead, a gigabyte per second of garbage at full speed. Resolves once the last write
 * is accepted (the caller then ends the request); rejects when the destination fails or
 * closes first, the file is shorter than `size`, or `signal` aborts. `start` skips the first
 * bytes (a resumed upload); `onBytes` counts from there.
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';

const CHUNK_BYTES = 1024 * 1024;

export async function sendFile(
  path: string, size: number, out: Writable, onBytes: (sent: number) => void, signal: AbortSignal, start = 0,
): Promise<void> {
  const file = await open(path, 'r');
  const buffers = [Buffer.allocUnsafeSlow(CHUNK_BYTES), Buffer.allocUnsafeSlow(CHUNK_BYTES)] as const;
  const free = [true, true];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const fail = (error: Error): void => {
    failure ??= error;
    wake?.();
  };
  const onClose = (): void => fail(new Error('the connection closed before the upload ended'));
  const onAbort = (): void => fail(new Error('upload stopped'));
  out.on('error', fail);
  out.on('close', onClose);
  signal.addEventListener('abort', onAbort);
  let reading: Promise<unknown> | undefined;
  try {
    let sent = 0;
    for (let position = start, index = 0; position < size; index = 1 - index) {
      while (failure === undefined && !free[index]) await new Promise<void>((resolve) => (wake = resolve));
      if (failure !== undefined) throw failure;
      const buffer = buffers[index] as Buffer;
      const wanted = Math.min(buffer.length, size - position);
      reading = file.read(buffer, 0, wanted, position);
      const { bytesRead } = (await reading) as { bytesRead: number };
      reading = undefined;
      if (failure !== undefined) throw failure;
      if (bytesRead === 0) throw new Error(`${path} is shorter than its ${size} bytes: was it changed during the upload?`);
      position += bytesRead;
      const current = index;
      free[current] = false;
      out.write(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), (error) => {
        if (error) return;
        free[current] = true;
        sent += bytesRead;
        onBytes(sent);
        wake?.();
      });
    }
  } finally {
    wake = undefined;
    out.off('error', fail);
    out.off('close', onClose);
    signal.removeEventListener('abort', onAbort);
    await reading?.catch(() => {});
    await file.close();
  }
}
