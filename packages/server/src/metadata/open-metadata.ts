/**
 * Opens the metadata database named by `database.url`: picks the dialect that serves the URL
 * (SQLite or PostgreSQL), opens kysely on it, and hands out the account and image stores over
 * that one connection (pool). `migrate()` brings the schema to the latest version; callers run
 * it before serving. The stores count their writes (`write-counter.ts`), so that the caller
 * cache and the listing totals (`short-cache.ts`), and the answer cache (`http/answer-cache.ts`,
 * which counts every store's writes), never outlive a change made through them.
 * `probeMetadata` checks that a database can be reached without changing it (`check-config`). Another engine is one dialect file and one entry in DIALECTS.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database-schema.js';
import type { MetadataDialect } from './metadata-dialect.js';
import type { MetadataStores } from './metadata-store.js';
import { migrateToLatest, type MigrationReport } from './migrate.js';
import { createSqlGroupStore } from './sql-group-store.js';
import { createSqlImageListStore } from './sql-image-list-store.js';
import { createSqlBlobBlockStore } from './sql-blob-block-store.js';
import { createSqlImageStore } from './sql-image-store.js';
import { createSqlLinkStore } from './sql-link-store.js';
import { createSqlQuotaStore } from './sql-quota-store.js';
import { postgresDialect } from './postgres-dialect.js';
import { createSqlUploadStore } from './sql-upload-store.js';
import { createSqlUserStore } from './sql-user-store.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { ShortCache } from './short-cache.js';
import { BLOB_BLOCK_METHODS, GROUP_METHODS, IMAGE_LIST_METHODS, IMAGE_METHODS, LINK_METHODS, QUOTA_METHODS, UPLOAD_METHODS, USER_METHODS } from './store-method-kinds.js';
import { countingWrites, WriteCounter } from './write-counter.js';

/** How long a listing's total may lag behind writes made through another instance (X-Total-Count). */
export const TOTAL_CACHE_MS = 1_000;

const DIALECTS: readonly MetadataDialect[] = [sqliteDialect, postgresDialect];

export interface OpenMetadata extends MetadataStores {
  /** The kysely instance (tests dump tables through it). */
  readonly db: Kysely<Database>;
  readonly dialect: MetadataDialect;
  /** Applies pending migrations. */
  migrate(): Promise<MigrationReport>;
}

function dialectFor(url: string): MetadataDialect {
  const dialect = DIALECTS.find((candidate) => candidate.matches(url));
  if (dialect === undefined) {
    const scheme = url.split(':')[0] ?? url;
    throw new Error(`database.url: no metadata dialect serves "${scheme}:" URLs (supported: ${DIALECTS.map((d) => d.name).join(', ')})`);
  }
  return dialect;
}

/** Resolves when the database can be reached (PostgreSQL: connects; SQLite: nothing to reach); throws MetadataUnavailable. */
export function probeMetadata(url: string): Promise<void> {
  return dialectFor(url).probe(url);
}

export function openMetadata(url: string): OpenMetadata {
  const dialect = dialectFor(url);
  const db = dialect.open(url);
  const accountWrites = new WriteCounter();
  // Listing totals depend on the images, their shares and the group memberships: any write to
  // those through these stores empties the cache; other instances' writes show within 1 s.
  const imageWrites = new WriteCounter();
  const totals = new ShortCache<number>(() => accountWrites.count + imageWrites.count, TOTAL_CACHE_MS);
  // Every write of every store, whatever it changes: what cached answers depend on.
  const writes = new WriteCounter();
  return {
    db,
    dialect,
    users: countingWrites(createSqlUserStore(db, dialect), USER_METHODS, accountWrites, writes),
    groups: countingWrites(createSqlGroupStore(db, dialect), GROUP_METHODS, accountWrites, writes),
    accountWrites,
    writes,
    images: countingWrites(createSqlImageStore(db, dialect, totals), IMAGE_METHODS, imageWrites, writes),
    quotas: countingWrites(createSqlQuotaStore(db), QUOTA_METHODS, writes),
    links: countingWrites(createSqlLinkStore(db, dialect), LINK_METHODS, writes),
    imageLists: countingWrites(createSqlImageListStore(db, dialect), IMAGE_LIST_METHODS, writes),
    uploads: countingWrites(createSqlUploadStore(db), UPLOAD_METHODS, writes),
    blobBlocks: countingWrites(createSqlBlobBlockStore(db), BLOB_BLOCK_METHODS, writes),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async probeWrite() {
      // Rewrites one row with its own value: a real write the database must commit, changing nothing.
      await db.updateTable('groups').set({ name: sql`name` }).where('name', '=', 'admins').execute();
    },
    close: () => db.destroy(),
    migrate: () => migrateToLatest(db, dialect),
  };
}
