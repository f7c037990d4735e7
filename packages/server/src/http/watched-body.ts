/**
 * An upload body as the upload route hands it to the service: the same Readable, watched. The
 * first time it is resumed (once the service has decided identity, access and length and the
 * blob store starts reading) it calls `onFirstRead`, which sends `100 Continue` to a client
 * that waits for it; and while it flows (not while the blob store pauses it) it calls `onIdle`
 * once no byte arrived for `idleMs` (`[limits] idle_timeout`), so that a client that stops
 * sending does not hold its connection, file and temporary upload forever. Slow clients that
 * keep sending are never cut. Time is checked by one timer per idle period, not reset per
 * chunk (a chunk only notes when it came). It listens to the stream's own 'resume', 'pause'
 * and 'data' events, so the bytes take no extra step.
 */
import type { Readable } from 'node:stream';

export interface WatchOptions {
  readonly idleMs: number;
  readonly onIdle: () => void;
  readonly onFirstRead: () => void;
}

export class WatchedBody {
  #started = false;
  #stopped = false;
  #lastByte = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #listeners: ReadonlyArray<readonly [string, () => void]>;

  constructor(
    /** The body, for the blob store to read. */
    readonly source: Readable,
    private readonly options: WatchOptions,
  ) {
    // Paused first: a 'data' listener would otherwise start the flow before anyone reads.
    source.pause();
    const stop = (): void => this.stop();
    this.#listeners = [
      ['data', () => void (this.#lastByte = Date.now())],
      ['resume', () => this.#onResume()],
      ['pause', () => this.#disarm()],
      ['end', stop],
      ['close', stop],
    ];
    for (const [event, listener] of this.#listeners) source.on(event, listener);
  }

  #onResume(): void {
    if (!this.#started) {
      this.#started = true;
      this.options.onFirstRead();
    }
    if (this.#stopped) return;
    // Waiting for our own storage is not the client's idleness: the clock restarts here.
    this.#lastByte = Date.now();
    this.#arm(this.options.idleMs);
  }

  /** No more idle checks, and no more listening (the body ended, or the request is over). */
  stop(): void {
    this.#stopped = true;
    this.#disarm();
    for (const [event, listener] of this.#listeners) this.source.off(event, listener);
  }

  #arm(ms: number): void {
    this.#disarm();
    this.#timer = setTimeout(() => this.#check(), ms);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const quiet = Date.now() - this.#lastByte;
    if (quiet < this.options.idleMs) return this.#arm(this.options.idleMs - quiet);
    this.stop();
    this.options.onIdle();
  }
}
