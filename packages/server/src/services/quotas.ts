/**
 * Quotas (SPEC §3 "Quotas"): each user's limits (its own, or the `[quotas]` defaults; 0:
 * unlimited; admins are not exempt) and the claims that new slots and uploads take before they
 * write anything. A claim is a reservation in the metadata store, checked and recorded under
 * the user's lock, so that two uploads on any instances cannot both slip under the quota; it
 * is renewed while the work runs (a crashed instance's claim lapses after `RESERVATION_TTL_MS`)
 * and released once the new row or upload has committed or failed. A refusal is 413
 * QUOTA_EXCEEDED, naming usage and limit.
 */
import type { QuotaLimits, QuotaStore, QuotaUsage } from '../metadata/quota-store.js';
import type { UserRecord } from '../metadata/metadata-store.js';
import { RepomanError } from './repoman-error.js';

/** How long a claim lives without renewal; a running upload renews it every third of that. */
export const RESERVATION_TTL_MS = 5 * 60_000;

export interface QuotaDefaults {
  /** `[quotas] user_bytes`; 0: unlimited. */
  readonly userBytes: number;
  /** `[quotas] user_images`; 0: unlimited. */
  readonly userImages: number;
}

/** No default quotas (tests, tools). */
export const UNLIMITED: QuotaDefaults = { userBytes: 0, userImages: 0 };

/** What a user's images hold, and its limits: the API's `usage`, `quota_bytes`, `quota_images`. */
export interface QuotaStatus {
  readonly usage: QuotaUsage;
  readonly limits: QuotaLimits;
}

export interface ClaimRequest {
  /** Bytes the new content will hold (an announced length, a clone's size). */
  readonly bytes: number;
  /** 1 for a new slot, 0 for an upload. */
  readonly images: number;
  /** The image the upload makes a new version of. */
  readonly replacesImageId?: number;
  /** `[images] keep_versions`: which of its versions the new one pushes out (0: none). */
  readonly keepVersions?: number;
  /** Why, for the message: "an upload of 10 bytes to bob/centos". */
  readonly what: string;
  /** Set on uploads: the body is not read, so the connection is closed after the answer. */
  readonly unreadBody?: boolean;
}

export interface QuotaClaim {
  /** Drops the claim (after the work committed or failed); safe to call twice. */
  release(): Promise<void>;
}

export type QuotaService = ReturnType<typeof createQuotaService>;

export function createQuotaService(quotas: QuotaStore, defaults: QuotaDefaults) {
  function limitsOf(user: UserRecord): QuotaLimits {
    return { bytes: user.quotaBytes ?? defaults.userBytes, images: user.quotaImages ?? defaults.userImages };
  }

  return {
    limitsOf,

    /** Usage and limits of each user; one query for all. */
    async statusOf(users: readonly UserRecord[]): Promise<Map<number, QuotaStatus>> {
      const usage = await quotas.usageOf(users.map((user) => user.id));
      return new Map(users.map((user) => [user.id, { usage: usage.get(user.id) ?? { bytes: 0, images: 0 }, limits: limitsOf(user) }]));
    },

    /**
     * How many more bytes `owner`'s images may take when an upload pushes out `replacedBytes`
     * (a chunked upload is stopped there); undefined when unlimited. Only a bound: the claim
     * taken once the size is known decides.
     */
    async roomFor(owner: UserRecord, replacedBytes: number): Promise<number | undefined> {
      const { bytes } = limitsOf(owner);
      if (bytes === 0) return undefined;
      const usage = (await quotas.usageOf([owner.id])).get(owner.id) ?? { bytes: 0, images: 0 };
      return Math.max(0, bytes - usage.bytes + replacedBytes);
    },

    /** Claims room in `owner`'s quota, or throws 413 QUOTA_EXCEEDED without writing anything. */
    async claim(owner: UserRecord, request: ClaimRequest): Promise<QuotaClaim> {
      const limits = limitsOf(owner);
      // Nothing to guard when no limit applies to what is claimed: no write at all.
      if ((request.images === 0 || limits.images === 0) && (request.bytes === 0 || limits.bytes === 0)) return { release: async () => {} };
      const result = await quotas.reserve({
        userId: owner.id,
        bytes: request.bytes,
        images: request.images,
        ...(request.replacesImageId !== undefined && { replacesImageId: request.replacesImageId, keepVersions: request.keepVersions ?? 0 }),
        limits,
        ttlMs: RESERVATION_TTL_MS,
      });
      if (!result.ok && 'userGone' in result) throw new RepomanError('USER_NOT_FOUND', `${owner.name} was deleted meanwhile; nothing was changed`);
      if (!result.ok) {
        const message =
          result.exceeds === 'images'
            ? `${owner.name} owns ${result.usage.images} images (uploads and new images in progress included) of a quota of ${limits.images}; ${request.what} would pass it. Delete an image or ask an admin for a larger quota_images`
            : `${owner.name}'s images hold ${result.usage.bytes} bytes (uploads in progress included) of a quota of ${limits.bytes} bytes; ${request.what} would pass it. Delete images or ask an admin for a larger quota_bytes`;
        throw new RepomanError('QUOTA_EXCEEDED', message, { unreadBody: request.unreadBody === true });
      }
      const id = result.id;
      const renewal = setInterval(() => void quotas.renew(id, RESERVATION_TTL_MS).catch(() => undefined), RESERVATION_TTL_MS / 3);
      renewal.unref();
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          clearInterval(renewal);
          await quotas.release(id);
        },
      };
    },
  };
}
