// The blob store contract: where image bytes live, behind one narrow interface that every
// storage driver (filesystem, S3) implements and one conformance suite checks
// (test/storage/blob-store-conformance.ts). Bytes enter through an upload that is invisible
// to readers until commit() names them by an opaque key; the metadata store keeps that key
// in the image row, so replacing an image is "commit new bytes, then swap the key in the
// row". Keys are content-addressed by convention (`blobs/sha256/ab/abcdef…`), so two uploads
// of identical bytes may return the same key: a key can be shared by several rows, and only
// the metadata side knows when none references it any more (see delete() and list()).
// Modelled on distribution's registry/storage/driver/storagedriver.go, including its way of
// declaring a fast path: an optional method that a caller looks for and does without (see
// BlobBody.sendTo). Drivers live in fs/ and s3/.
import type { Readable, Writable } from 'node:stream';

/** What write() learned about the bytes it stored. */
export interface BlobWriteResult {
  /** Number of bytes stored. */
  readonly size: number;
  /** SHA-256 of the bytes, lowercase hex (64 characters). */
  readonly sha256: string;
}

/** A committed blob: the opaque key to store in the metadata row, and what it holds. */
export interface BlobRef extends BlobWriteResult {
  /** Opaque, stable, at most 200 ASCII characters; meaningful only to the store that issued it. */
  readonly key: string;
}

export interface BlobWriteOptions {
  /**
   * Largest number of bytes accepted (default: unlimited). Exactly maxBytes is accepted; as
   * soon as one more byte arrives, write() stops reading and rejects with BlobTooLargeError.
   */
  readonly maxBytes?: number;
  /** Aborting stops reading at once; write() then rejects with UploadAbortedError. */
  readonly signal?: AbortSignal;
}

/** A byte range, inclusive at both ends as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  /** First byte, default 0. Must be below the blob's size. */
  readonly start?: number;
  /** Last byte, default size - 1; an end past the last byte is clamped to it (as HTTP does). */
  readonly end?: number;
}

export interface BlobStat {
  readonly size: number;
  /** When the key was last committed (a commit of identical content refreshes it). */
  readonly committedAt: Date;
}

/**
 * What an upload reads: any Readable of bytes (an HTTP request, a file stream) or any async
 * iterable of byte chunks. The store reads it in flowing mode and copies every chunk during
 * its 'data' call, so a Readable may hand over a chunk it reuses afterwards.
 */
export type UploadSource = Readable | AsyncIterable<Uint8Array>;

/**
 * A committed blob's bytes as read() gives them: a Readable that any consumer can pipe, and
 * that may offer a faster way to a socket.
 */
export interface BlobBody extends Readable {
  /**
   * Optional fast path (the filesystem driver has it, S3 does not): writes every byte to `out`
   * without ending it, with buffers reused from write to write instead of a fresh one per
   * chunk, then releases the blob. Resolves once the last write is accepted; rejects when
   * `out` fails or closes first, when the bytes end early, or when `signal` aborts (the
   * connection is gone while `out`, a pipelined response still queued, never hears of it).
   * Use it instead of reading the stream, never with it. Callers check that it is there and
   * pipe the Readable otherwise.
   */
  sendTo?(out: Writable, signal?: AbortSignal): Promise<void>;
}

/**
 * One upload: temporary space that no reader can see. Call write() once, then either
 * commit() or cancel(); always cancel() in a `finally` (it is a no-op after commit).
 * An upload that is never settled (a killed server) is removed by sweepUploads().
 */
export interface BlobUpload {
  /** Identifies the temporary space (a random UUID), for logs. */
  readonly id: string;

  /**
   * Streams `source` into the temporary space with constant memory, computing size and
   * SHA-256 on the way, and makes the bytes durable (fsync or equivalent) before resolving.
   * Small incoming chunks are gathered into writes of at least 1 MiB.
   *
   * The source must not be read by anyone else meanwhile. write() never destroys it: on
   * failure it simply stops reading (pauses it), and the caller decides what to do with the rest
   * (an HTTP handler answers and closes the connection). Rejects with:
   * - BlobTooLargeError when more than opts.maxBytes arrive;
   * - UploadAbortedError when the source errors or closes before its end, when opts.signal
   *   aborts, or when cancel() is called meanwhile;
   * - the driver's own error when storage fails (disk full, network): not the client's fault
   *   (the HTTP layer answers 507 or 503 for the ones it recognises, see http/fault-envelope.ts).
   * After a rejection the upload accepts only cancel(). Calling write() twice throws.
   */
  write(source: UploadSource, opts?: BlobWriteOptions): Promise<BlobWriteResult>;

  /**
   * Makes the written bytes readable under a key, atomically: readers see either nothing or
   * every byte, never a prefix, and the blob survives a crash once commit() resolves. If a
   * blob with the same content exists, the temporary bytes are discarded and its key is
   * returned (its committedAt is refreshed). Throws if write() has not succeeded, or if the
   * upload was cancelled or already committed.
   */
  commit(): Promise<BlobRef>;

  /**
   * Discards the temporary bytes. Idempotent; safe at any time: before write(), during it
   * (write() then rejects with UploadAbortedError), after a failed write or commit, and after
   * a successful commit (where it does nothing: committed blobs are removed by delete()).
   */
  cancel(): Promise<void>;
}

export interface AppendOptions extends BlobWriteOptions {
  /**
   * The sha256 (lowercase hex) the appended bytes must have (tus' checksum extension), or a
   * function that says it once the source has ended (a trailer); undefined: not checked.
   */
  readonly sha256?: string | (() => string | undefined);
}

/**
 * A resumable upload (tus, SPEC §3): temporary space named by a `handle` that outlives the
 * process, so that any instance sharing the storage can continue it after a restart. Bytes
 * are appended in order, each append at a checked offset; what an append durably wrote stays
 * even when its source is cut. Nobody reads it until commit(), which hashes every stored byte
 * in one pass (the hash state of earlier appends lives in no process) and publishes the blob
 * under the same content-addressed key rule as BlobUpload.commit(). Two appends must not run
 * at once on one upload: the caller serializes them (the metadata row's lease).
 * The handle is opaque, at most 1000 ASCII characters, meaningful only to its store.
 */
export interface ResumableUpload {
  readonly handle: string;

  /** How many bytes are durably stored, as any instance sees them now. */
  offset(): Promise<number>;

  /**
   * Appends `source` at `offset`: rejects with OffsetMismatchError, reading nothing, when the
   * stored bytes are not exactly `offset` long. Resolves once every byte is durable, with the
   * new offset and the sha256 of the bytes this call appended. When the source fails, closes early, exceeds opts.maxBytes or opts.signal
   * aborts, it rejects as BlobUpload.write() does, keeping a durable prefix of what arrived
   * (offset() says how much; drivers keep whole batches or parts, so some of the last bytes
   * may be missing): the client resumes from there. With opts.sha256, bytes whose digest
   * differs are undone (the offset is `offset` again) and it rejects with AppendDigestError.
   */
  append(offset: number, source: UploadSource, opts?: AppendOptions): Promise<{ readonly offset: number; readonly sha256: string }>;

  /**
   * Hashes the stored bytes and makes them readable under their key, atomically (as
   * BlobUpload.commit()); the temporary space is gone afterwards. `check`, when given, sees the
   * size and sha256 before anything is published: when it rejects, commit() rejects with its
   * error, nothing is published, and the upload accepts only cancel(). `known` skips the pass
   * that hashes the stored bytes, for a caller that knows their size and sha256 (one append
   * from offset 0 wrote them all). Rejects with BlobNotFoundError when the upload is gone
   * (cancelled, swept).
   */
  commit(check?: (written: BlobWriteResult) => Promise<void>, known?: BlobWriteResult): Promise<BlobRef>;

  /** Discards the stored bytes. Idempotent; a missing upload is not an error. */
  cancel(): Promise<void>;

  /**
   * Optional (uploads made by createResumableFrom() have it): overwrites stored bytes from
   * `offset` with `source` (a delta re-save's changed block), never past the upload's length
   * (BlobTooLargeError once a byte would go past it). Resolves once the bytes are durable,
   * with how many were written and their sha256. A cut source leaves some of them written: the
   * caller writes the block again. Writes must not run at once on one upload. A store that
   * keeps blocks as units (S3: a part per 8 MiB block) takes only whole blocks, from a block
   * boundary to one or to the upload's end, and rejects anything else with BlockBoundaryError.
   */
  writeAt?(offset: number, source: UploadSource, opts?: BlobWriteOptions): Promise<{ readonly written: number; readonly sha256: string }>;
}

/** A resumable upload as storage lists it (BlobStore.listResumable()). */
export interface StoredResumable {
  /** The handle to open it with: the one its creation gave, but see listResumable(). */
  readonly handle: string;
  /** Its last write (fs: the file's; S3: the newest of its multipart upload's start, its parts and its objects). */
  readonly since: Date;
}

export interface BlobStore {
  /** Starts an upload in temporary space; nothing is visible to stat/read/list until commit. */
  createUpload(): Promise<BlobUpload>;

  /** Starts a resumable upload (0 bytes stored); keep its handle to reopen it anywhere. */
  createResumable(): Promise<ResumableUpload>;

  /**
   * Optional fast path (fs and S3 have it): a resumable upload whose stored bytes start as a
   * copy of the first `length` bytes of the blob under `key` (zeros past its end), made inside
   * the storage with no byte crossing the network (fs: a reflink where the file system has
   * them, else copy_file_range; S3: UploadPartCopy, one part per block). Its offset is
   * `length` at once; writeAt() replaces blocks, and commit() hashes every stored byte.
   * Rejects with BlobNotFoundError when there is no blob under `key`, and with
   * UnsupportedUploadError when the store cannot base an upload of that length (S3: more
   * than 10,000 blocks): the caller then takes the whole image.
   */
  createResumableFrom?(key: string, length: number): Promise<ResumableUpload>;

  /**
   * The resumable upload under `handle` (created by this store or another instance on the
   * same storage). Opening checks nothing: a gone upload fails at its first use.
   */
  openResumable(handle: string): ResumableUpload;

  /** Size and commit time of a committed blob, or null when there is none under `key`. */
  stat(key: string): Promise<BlobStat | null>;

  /**
   * Opens a committed blob for reading, whole or a range, as a byte stream (fs: 1 MiB chunks;
   * S3: the chunks the network delivers), which may offer the sendTo() fast path.
   * Rejects before any byte with BlobNotFoundError when there is no blob under `key` (also
   * for a key this store could not have issued), and with RangeError for a range outside
   * the blob (the caller checks ranges against the size first and answers 416 itself).
   * Once the promise resolves the bytes are pinned: a delete() or commit() meanwhile does not
   * change what this stream yields. Destroy the stream if you stop reading early, so that
   * its file or connection is released.
   */
  read(key: string, range?: ByteRange): Promise<BlobBody>;

  /**
   * Removes a committed blob; readers already open finish with the old bytes. A missing key
   * is not an error. Keys may be shared (identical content), so delete only a key that no
   * metadata row references; the sweeper decides, using list() and stat().committedAt.
   */
  delete(key: string): Promise<void>;

  /**
   * Every committed key, in no particular order, for the sweeper that removes blobs no row
   * references. Blobs committed or deleted while listing may or may not appear.
   */
  list(): AsyncIterable<string>;

  /**
   * Removes temporary uploads at least `olderThanMs` old (fs: since their last write; S3:
   * since the multipart upload began, or since the temporary object was completed) that
   * this store instance is not running: leftovers of a killed server, or of a caller that
   * forgot cancel(). Returns how many were removed.
   * Uploads in progress in another process sharing the storage are only protected by their
   * age, so use a generous one (hours). Resumable uploads are never touched: their owner (the
   * metadata row with its expiry) cancels them.
   */
  sweepUploads(olderThanMs: number): Promise<number>;

  /**
   * Every resumable upload in storage not written for at least `olderThanMs`, whoever owns
   * it, for the sweeper that cancels the ones no metadata row names: a server killed between
   * creating an upload and recording its row, or while an upload based on a blob was being
   * copied. Each handle is the one createResumable() or createResumableFrom() gave (rows
   * name uploads by it), except for what S3 keeps of an upload whose multipart upload is
   * gone (a commit or cancel cut short after completing or aborting it): that handle only
   * cancels the leftovers. Uploads created or written while listing may or may not appear.
   */
  listResumable(olderThanMs: number): AsyncIterable<StoredResumable>;

  /**
   * Releases what the store holds open (fs: its hashing thread; S3: its client's
   * connections). Call it once every upload and read has settled (a server closes its
   * listeners first); the store is unusable afterwards. Idempotent.
   */
  close(): Promise<void>;
}
