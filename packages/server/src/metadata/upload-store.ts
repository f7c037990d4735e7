/**
 * The metadata store contract for resumable uploads (SPEC §3 "Resumable uploads"): one record
 * per upload in progress, readable by every server instance. PATCHes are serialized by a lease
 * on the row — taken by one conditional update, so that of two instances racing for it exactly
 * one gets it — and the bytes themselves live in the blob store under `storageHandle`.
 * `sql-upload-store.ts` implements it for every SQL dialect.
 */

export interface UploadRecord {
  readonly id: string;
  readonly imageId: number;
  /** The image's uuid when the upload began: an id reused by another image does not match. */
  readonly imageUuid: string;
  /** The user who started it: the only one who may touch it. */
  readonly userId: number;
  readonly length: number;
  /** The offset the last finished PATCH reached (the blob store holds the exact one). */
  readonly offset: number;
  readonly expectedSha256: string | null;
  /** The raw `Upload-Metadata` header of the creation ('' when none). */
  readonly metadata: string;
  readonly storageHandle: string;
  readonly created: string;
  readonly expires: string;
  /** The version a delta re-save started from (its bytes copied in storage, migration 0011); null for a tus upload. */
  readonly baseVersion: number | null;
}

export type NewUpload = Omit<UploadRecord, 'offset' | 'created' | 'baseVersion'> & { readonly baseVersion?: number | null };

export interface UploadStore {
  create(upload: NewUpload): Promise<UploadRecord>;
  find(id: string): Promise<UploadRecord | undefined>;
  /**
   * Takes the upload's lease for `ttlMs` under `token`: false when the upload is gone or another
   * holder's lease is still live. Atomic across instances.
   */
  lease(id: string, token: string, ttlMs: number): Promise<boolean>;
  /** Pushes the lease held under `token` `ttlMs` from now (a long PATCH still running). */
  renewLease(id: string, token: string, ttlMs: number): Promise<void>;
  /** Records the offset reached and the new expiry, and drops the lease held under `token`. */
  release(id: string, token: string, changes: { readonly offset: number; readonly expires: string }): Promise<void>;
  /** Deletes the row; false when it was gone. */
  delete(id: string): Promise<boolean>;
  /**
   * Deletes the uploads expired before `now` whose lease is not live, and returns them (for
   * their bytes to be removed): of two instances sweeping at once, each row goes to one.
   */
  takeExpired(now: Date): Promise<UploadRecord[]>;
  /** Whether some upload row names `storageHandle` (the sweeper cancels stored uploads that none names). */
  namesStorage(storageHandle: string): Promise<boolean>;
}
