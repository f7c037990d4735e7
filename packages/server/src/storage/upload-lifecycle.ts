// The order every driver's upload keeps, written once: write() once, then commit() or
// cancel(); cancel() may come at any time and interrupts a write in progress, waits for a
// commit in progress (a committed upload stays committed), and runs its cleanup once. A
// driver subclasses it with the three steps that differ: how bytes reach temporary storage
// (fill), how they become a blob (publish), and how the temporary storage goes (discard).
import { UploadAbortedError } from './blob-errors.js';
import type { BlobRef, BlobUpload, BlobWriteOptions, BlobWriteResult, UploadSource } from './blob-store.js';

type State = 'open' | 'writing' | 'written' | 'failed' | 'committing' | 'committed' | 'cancelled';

export abstract class UploadLifecycle implements BlobUpload {
  #state: State = 'open';
  #result: BlobWriteResult | undefined;
  #writing: Promise<unknown> = Promise.resolve();
  #committing: Promise<unknown> = Promise.resolve();
  #cancelling: Promise<void> | undefined;
  readonly #interrupt = new AbortController();

  constructor(
    readonly id: string,
    /** Called once the upload is committed or cancelled, so the sweeper may ignore or take it. */
    private readonly onSettled: () => void,
  ) {}

  /** Streams `source` into temporary storage; `signal` fires on the caller's abort or on cancel(). */
  protected abstract fill(source: UploadSource, maxBytes: number | undefined, signal: AbortSignal): Promise<BlobWriteResult>;
  /** Makes the written bytes a readable blob under their key. */
  protected abstract publish(result: BlobWriteResult): Promise<BlobRef>;
  /** Removes the temporary storage; called once, after any write has settled. */
  protected abstract discard(): Promise<void>;

  async write(source: UploadSource, opts: BlobWriteOptions = {}): Promise<BlobWriteResult> {
    if (this.#state !== 'open') throw new Error(`write() on an upload that is ${this.#state}`);
    this.#state = 'writing';
    const signal = opts.signal === undefined ? this.#interrupt.signal : AbortSignal.any([opts.signal, this.#interrupt.signal]);
    const writing = this.fill(source, opts.maxBytes, signal);
    this.#writing = writing.catch(() => {});
    try {
      this.#result = await writing;
      this.#state = 'written';
      return this.#result;
    } catch (error) {
      if (this.#state === 'writing') this.#state = 'failed';
      throw error;
    }
  }

  async commit(): Promise<BlobRef> {
    if (this.#state !== 'written' || this.#result === undefined) {
      throw new Error(`commit() on an upload that is ${this.#state}`);
    }
    this.#state = 'committing';
    const committing = this.publish(this.#result);
    this.#committing = committing.catch(() => {});
    try {
      const ref = await committing;
      this.#state = 'committed';
      this.onSettled();
      return ref;
    } catch (error) {
      this.#state = 'failed';
      throw error;
    }
  }

  cancel(): Promise<void> {
    this.#cancelling ??= this.#cancel();
    return this.#cancelling;
  }

  async #cancel(): Promise<void> {
    // Runs synchronously up to its first await, so a commit() called after cancel() throws.
    if (this.#state === 'committing') await this.#committing;
    if (this.#state === 'committed') return;
    this.#state = 'cancelled';
    this.#interrupt.abort(new UploadAbortedError('upload cancelled'));
    await this.#writing;
    await this.discard();
    this.onSettled();
  }
}
