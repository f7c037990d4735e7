/**
 * The metadata store contract for download links (SPEC §3 "Download links"). A link is found
 * by the sha256 of its token only (an indexed equality lookup: no token is ever stored or
 * compared, so the time a lookup takes says nothing about any token), and by its public id
 * within its image for revocation. Rows go with their image. Whether a link is live (not
 * expired, not revoked) is decided against the time the caller passes, so that every
 * instance behind a load balancer decides alike. `sql-link-store.ts` implements it.
 */

export interface LinkRecord {
  readonly id: string;
  readonly imageId: number;
  /** The pinned version; null: the image's current content. */
  readonly version: number | null;
  readonly created: string;
  /** The user name of its maker. */
  readonly createdBy: string;
  readonly expires: string;
  /** When it was revoked; null: never. */
  readonly revoked: string | null;
  readonly downloads: number;
}

export interface NewLink {
  readonly id: string;
  /** sha256 of the token, lowercase hex. */
  readonly tokenHash: string;
  readonly imageId: number;
  readonly version: number | null;
  readonly createdBy: string;
  readonly expires: string;
}

export interface LinkStore {
  /**
   * Inserts a link (created now). Throws UniqueViolation when the id or the token hash is
   * taken (the caller draws new ones), MissingReference when the image is gone.
   */
  create(link: NewLink): Promise<LinkRecord>;
  /** The link whose token hashes to `tokenHash`, live at `now` (neither expired nor revoked), or undefined. */
  findLive(tokenHash: string, now: Date): Promise<LinkRecord | undefined>;
  /** The image's links live at `now`, newest first. */
  listLive(imageId: number, now: Date): Promise<LinkRecord[]>;
  /** Marks the image's link `id` revoked at `now`; false when it has no such link, or it was revoked already. */
  revoke(imageId: number, id: string, now: Date): Promise<boolean>;
  /** Counts one download through the link (`downloads = downloads + 1`, in the database: concurrent ones all count). */
  countDownload(id: string): Promise<void>;
}
