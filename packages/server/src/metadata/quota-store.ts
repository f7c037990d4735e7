/**
 * The metadata store contract for quotas (SPEC §3 "Quotas"): what each user uses, and the
 * reservations that keep two uploads (or two new slots) of one user, on any server instances,
 * from both slipping under its quota. A reservation is taken under the user's row lock after
 * counting what the user's images hold plus every live reservation, so that the checks of two
 * instances never interleave; it is released once the upload or the new row has committed (or
 * failed), and lapses by itself at `expires` when its instance crashed. `sql-quota-store.ts`
 * implements it for every SQL dialect.
 */

/** What a user's images hold: bytes of every kept version (SPEC §3), and how many images (slots included). */
export interface QuotaUsage {
  readonly bytes: number;
  readonly images: number;
}

/** The limits a reservation is checked against; 0: unlimited. */
export interface QuotaLimits {
  readonly bytes: number;
  readonly images: number;
}

export interface ReservationRequest {
  readonly userId: number;
  /** Bytes claimed (an upload's announced length, a clone's size). */
  readonly bytes: number;
  /** Images claimed: 1 for a new slot, 0 for an upload. */
  readonly images: number;
  /** An upload makes a new version of this image: the versions it pushes out no longer count once it commits. */
  readonly replacesImageId?: number;
  /** `[images] keep_versions` (0: all kept, nothing pushed out). */
  readonly keepVersions?: number;
  readonly limits: QuotaLimits;
  /** Milliseconds until the reservation lapses unless renewed. */
  readonly ttlMs: number;
}

export type ReservationResult =
  | { readonly ok: true; readonly id: number }
  /** Refused: `usage` is the user's usage with the live reservations, before this one. */
  | { readonly ok: false; readonly usage: QuotaUsage; readonly exceeds: 'bytes' | 'images' }
  /** The user was deleted meanwhile: nothing reserved. */
  | { readonly ok: false; readonly userGone: true };

export interface QuotaStore {
  /** For each given user id, what its images hold (users without images map to zero); one query. */
  usageOf(userIds: readonly number[]): Promise<Map<number, QuotaUsage>>;
  /**
   * Under the user's row lock: refuses when usage + live reservations + this claim (less the
   * bytes of the versions of `replacesImageId` it pushes out) would pass a non-zero limit;
   * otherwise records the claim. A claim that frees bytes reserves none.
   */
  reserve(request: ReservationRequest): Promise<ReservationResult>;
  /** Bytes of the versions a new version of the image pushes out when `keepVersions` are kept (0: keeps all: none). */
  pushedOutBytes(imageId: number, keepVersions: number): Promise<number>;
  /** Pushes a live reservation's expiry `ttlMs` from now (a long upload still running). */
  renew(id: number, ttlMs: number): Promise<void>;
  /** Drops a reservation; a no-op when it is gone. */
  release(id: number): Promise<void>;
}
