/**
 * Where a download's bytes go on their way to the destination: they are copied (from the
 * socket's one reused read buffer) into batches of 1 MiB of page-aligned shared memory
 * (@repoman/bytes' alignedSharedBuffers: the hashing thread reads a batch by SharedArrayBuffer and offset, and
 * a file destination can write it with O_DIRECT, see its DirectFile); a full batch
 * is written to the destination (in order, one write at a time) and hashed on the background
 * thread at the same time, and is reused once both are done. Eight batches rotate, so memory
 * is constant and nothing is allocated per chunk (no garbage to collect). When every batch is
 * busy, push() answers false: the caller pauses its source; bytes that still arrive are kept
 * in a small overflow until a batch is free. `onBytes` counts only batches both written and
 * hashed: after a failure the count and the hash describe exactly what reached the
 * destination, so a download can resume from there (a partly filled batch is dropped).
 */
import { alignedSharedBuffers, type BackgroundSha256 } from '@repoman/bytes';

const BATCH_BYTES = 1024 * 1024;
const BATCHES = 8;

interface Batch {
  /** A page-aligned slice of a shared slab: `view.buffer` is a SharedArrayBuffer. */
  readonly view: Buffer;
  busy: boolean;
}

export class SharedBatches {
  readonly #batches: Batch[];
  #current: Batch | undefined;
  #filled = 0;
  readonly #overflow: Buffer[] = [];
  #writing: Promise<void> = Promise.resolve();
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown;
  #onFree: (() => void) | undefined;

  constructor(
    private readonly write: (bytes: Buffer) => Promise<void>,
    private readonly hasher: BackgroundSha256,
    private readonly onBytes: (bytes: number) => void,
    batchBytes = BATCH_BYTES,
  ) {
    const allocate = alignedSharedBuffers();
    this.#batches = Array.from({ length: BATCHES }, () => ({ view: allocate(batchBytes), busy: false }));
  }

  /** Called when a batch becomes free after push() answered false, or when a write or hash failed. */
  set onFree(listener: (() => void) | undefined) {
    this.#onFree = listener;
  }

  /** The first failure of a write or a hash, if any. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Copies `bytes` (valid only during the call); false: pause the source until onFree. */
  push(bytes: Uint8Array): boolean {
    if (this.#overflow.length > 0) {
      this.#overflow.push(Buffer.from(bytes));
      return false;
    }
    const stopped = this.#absorb(bytes);
    if (stopped < bytes.length) this.#overflow.push(Buffer.from(bytes.subarray(stopped)));
    return this.#overflow.length === 0 && this.#freeBatch() !== undefined;
  }

  #freeBatch(): Batch | undefined {
    return this.#current ?? this.#batches.find((batch) => !batch.busy);
  }

  /** Copies what fits into free batches; answers where it stopped (bytes.length: all taken). */
  #absorb(bytes: Uint8Array): number {
    let offset = 0;
    while (offset < bytes.length) {
      this.#current ??= this.#batches.find((batch) => !batch.busy);
      const batch = this.#current;
      if (batch === undefined) return offset;
      const copied = Math.min(bytes.length - offset, batch.view.length - this.#filled);
      // Buffer#copy is a plain memcpy; TypedArray#set into shared memory is a slower relaxed-atomic copy.
      (bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)).copy(batch.view, this.#filled, offset, offset + copied);
      this.#filled += copied;
      offset += copied;
      if (this.#filled === batch.view.length) this.#dispatch();
    }
    return offset;
  }

  /** Sends the current batch to the destination and the hash. */
  #dispatch(): void {
    const batch = this.#current;
    const length = this.#filled;
    this.#current = undefined;
    this.#filled = 0;
    if (batch === undefined || length === 0) return;
    batch.busy = true;
    const bytes = batch.view.subarray(0, length);
    this.#writing = this.#writing.then(() => this.write(bytes));
    const done = Promise.all([this.#writing, this.hasher.update(batch.view.buffer as SharedArrayBuffer, batch.view.byteOffset, length)]).then(
      () => {
        this.onBytes(length);
        batch.busy = false;
        this.#inFlight.delete(done);
        this.#drainOverflow();
      },
      (error: unknown) => {
        this.#failure ??= error;
        this.#inFlight.delete(done);
        // A paused source waits for onFree: wake it so that it sees the failure and stops.
        this.#onFree?.();
      },
    );
    this.#inFlight.add(done);
  }

  #drainOverflow(): void {
    while (this.#overflow.length > 0 && this.#freeBatch() !== undefined) {
      const next = this.#overflow.shift() as Buffer;
      const stopped = this.#absorb(next);
      if (stopped < next.length) this.#overflow.unshift(next.subarray(stopped));
    }
    if (this.#overflow.length === 0 && this.#freeBatch() !== undefined) this.#onFree?.();
  }

  /** After the last byte: writes and hashes what is left; rejects with the first failure. */
  async finish(): Promise<void> {
    while (this.#overflow.length > 0 && this.#failure === undefined) {
      this.#drainOverflow();
      if (this.#overflow.length > 0) await Promise.race(this.#inFlight);
    }
    this.#dispatch();
    await this.settle();
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Waits for the batches in flight (after a failure: so that the count is final); drops the rest. */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    this.#current = undefined;
    this.#filled = 0;
    this.#overflow.length = 0;
  }
}
