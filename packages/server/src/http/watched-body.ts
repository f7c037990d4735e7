/**
 * An upload body as the upload route hands it to the service: the same bytes, watched. The first
 * time it is read (once the service has decided identity, access and length) it calls
 * `onFirstRead`, which sends `100 Continue` to a client that waits for it; and while it is being
 * read (not while the blob store pauses it) it calls `onIdle` once no byte arrived for `idleMs`
 * (`[limits] idle_timeout`), so that a client that stops sending does not hold its connection,
 * file and temporary upload forever. Slow clients that keep sending are never cut. Time is
 * checked by one timer per idle period, not reset per chunk (a chunk only notes when it came).
 */
import type { UploadSource } from '../storage/index.js';

type Listener = (arg?: never) => void;
type Event = 'data' | 'end' | 'close' | 'error';

export interface WatchOptions {
  readonly idleMs: number;
  readonly onIdle: () => void;
  readonly onFirstRead: () => void;
}

export class WatchedBody implements UploadSource {
  readonly #wrapped = new Map<Listener, Listener>();
  #started = false;
  #stopped = false;
  #lastByte = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: UploadSource,
    private readonly options: WatchOptions,
  ) {
    const stop = (): void => this.stop();
    source.on('end', stop);
    source.on('close', stop);
  }

  get readableEnded(): boolean {
    return this.source.readableEnded;
  }

  get destroyed(): boolean {
    return this.source.destroyed;
  }

  get errored(): Error | null {
    return this.source.errored;
  }

  on(event: Event, listener: Listener): this {
    if (event !== 'data') {
      this.source.on(event, listener);
      return this;
    }
    const wrapped = ((chunk: never) => {
      this.#lastByte = Date.now();
      listener(chunk);
    }) as Listener;
    this.#wrapped.set(listener, wrapped);
    this.source.on(event, wrapped);
    return this;
  }

  off(event: Event, listener: Listener): this {
    const wrapped = event === 'data' ? this.#wrapped.get(listener) : undefined;
    if (wrapped !== undefined) this.#wrapped.delete(listener);
    this.source.off(event, wrapped ?? listener);
    return this;
  }

  pause(): this {
    this.#disarm();
    this.source.pause();
    return this;
  }

  resume(): this {
    if (!this.#started) {
      this.#started = true;
      this.options.onFirstRead();
    }
    if (!this.#stopped) {
      // Waiting for our own storage is not the client's idleness: the clock restarts here.
      this.#lastByte = Date.now();
      this.#arm(this.options.idleMs);
    }
    this.source.resume();
    return this;
  }

  /** No more idle checks (the body ended, or the request is over). */
  stop(): void {
    this.#stopped = true;
    this.#disarm();
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
