// Reusable byte buffers for the byte paths (download reads, upload batches). A fresh 1 MiB Buffer per read (what
// fs.ReadStream does) means a gigabyte per second of external memory for V8 to collect:
// profiles showed V8's mark-compact and sweeper leading the server's CPU during HTTPS
// downloads, and every fresh buffer is fresh, cold memory for the kernel to fault in. Buffers
// taken from here go back once their bytes have left (a write's callback), and are reused.
// The pool keeps at most `maxIdle` idle buffers; beyond that a released buffer is dropped.

export class BufferPool {
  readonly #idle: Buffer[] = [];

  constructor(
    /** Size of every buffer. */
    readonly bufferBytes: number,
    /** Idle buffers kept for reuse. */
    private readonly maxIdle: number,
    /** Makes a new buffer (default: Buffer.allocUnsafeSlow; uploads hashed on a worker use shared memory). */
    private readonly allocate: (bytes: number) => Buffer = (bytes) => Buffer.allocUnsafeSlow(bytes),
  ) {
    if (!Number.isSafeInteger(bufferBytes) || bufferBytes < 1) throw new RangeError(`invalid bufferBytes ${bufferBytes}`);
  }

  acquire(): Buffer {
    return this.#idle.pop() ?? this.allocate(this.bufferBytes);
  }

  /** Gives a buffer back; its bytes may be overwritten at once. */
  release(buffer: Buffer): void {
    if (buffer.length === this.bufferBytes && this.#idle.length < this.maxIdle) this.#idle.push(buffer);
  }

  /** Idle buffers now held (for tests). */
  get idle(): number {
    return this.#idle.length;
  }
}
