/**
 * Runs the metadata migrations to the latest version with kysely's Migrator, from an in-code
 * provider (no migration files are read at run time, so the compiled package is self-contained).
 * Used at server start and by `repoman-server migrate` / `init`. A new migration is one more
 * file in `migrations/` and one more line in `migrationsFor`, named so that names sort in order.
 */
import { Migrator, type Kysely, type Migration } from 'kysely';
import type { Database } from './database-schema.js';
import type { MetadataDialect } from './metadata-dialect.js';
import { foundationMigration } from './migrations/0001-foundation.js';
import { byteOrderNamesMigration } from './migrations/0002-byte-order-names.js';
import { vomsGroupsMigration } from './migrations/0003-voms-groups.js';
import { diskFormatsMigration } from './migrations/0004-disk-formats.js';
import { quotasMigration } from './migrations/0005-quotas.js';
import { imageVersionsMigration } from './migrations/0006-image-versions.js';
import { resumableUploadsMigration } from './migrations/0007-resumable-uploads.js';
import { downloadLinksMigration } from './migrations/0008-download-links.js';
import { imageListsMigration } from './migrations/0009-image-lists.js';
import { searchIndexMigration } from './migrations/0010-search-index.js';
import { blobBlocksMigration } from './migrations/0011-blob-blocks.js';
import { listingIndexesMigration } from './migrations/0012-listing-indexes.js';
import { MetadataUnavailable } from './store-errors.js';

export function migrationsFor(dialect: MetadataDialect): Record<string, Migration> {
  return {
    '0001-foundation': foundationMigration(dialect),
    '0002-byte-order-names': byteOrderNamesMigration(dialect),
    '0003-voms-groups': vomsGroupsMigration(),
    '0004-disk-formats': diskFormatsMigration(),
    '0005-quotas': quotasMigration(dialect),
    '0006-image-versions': imageVersionsMigration(dialect),
    '0007-resumable-uploads': resumableUploadsMigration(),
    '0008-download-links': downloadLinksMigration(),
    '0009-image-lists': imageListsMigration(dialect),
    '0010-search-index': searchIndexMigration(dialect),
    '0011-blob-blocks': blobBlocksMigration(),
    '0012-listing-indexes': listingIndexesMigration(),
  };
}

export interface MigrationReport {
  /** Names of the migrations applied by this call, in order; empty when already up to date. */
  readonly applied: readonly string[];
}

/** Applies every pending migration; throws (with the failing migration's name) on failure, MetadataUnavailable when the database is out of reach. */
export async function migrateToLatest(db: Kysely<Database>, dialect: MetadataDialect): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    // Migrations developed side by side may land out of order (0005 before 0004); each touches
    // its own columns, so a database that ran the later one still takes the earlier one.
    allowUnorderedMigrations: true,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((result) => result.status === 'Error');
  if (error instanceof MetadataUnavailable) throw error;
  if (error !== undefined) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`database migration failed${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
