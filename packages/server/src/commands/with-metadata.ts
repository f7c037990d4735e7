/**
 * Opens the configured metadata database, brings its schema up to date, runs some work with the
 * stores, and closes the database whatever happens. Used by the one-shot commands (init,
 * migrate, admin add).
 */
import type { RepomanConfig } from '../config/config-types.js';
import type { MigrationReport } from '../metadata/migrate.js';
import { openMetadata, type OpenMetadata } from '../metadata/open-metadata.js';

export async function withMetadata<T>(
  config: RepomanConfig,
  work: (metadata: OpenMetadata, migration: MigrationReport) => Promise<T>,
): Promise<T> {
  const metadata = openMetadata(config.database.url);
  try {
    const migration = await metadata.migrate();
    return await work(metadata, migration);
  } finally {
    await metadata.close();
  }
}
