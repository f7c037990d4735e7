/**
 * The metadata conformance suite on PostgreSQL: one throwaway cluster for the file
 * (`test-services/postgres.sh` through the helper), a new database for each test, dropped
 * afterwards; the run fails if one is left behind. The databases use an ICU en-US collation,
 * unlike the C locale of the cluster, so that the suite shows names sorting byte by byte
 * whatever the server's locale. Skipped only when PostgreSQL is not installed.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { POSTGRES_PACKAGES, startPostgres } from './helpers/test-services.js';
import { metadataConformance } from './metadata-conformance.js';

const PREFIX = 'repoman_test_';
const postgres = await startPostgres();

if (postgres === null) {
  test('metadata conformance on PostgreSQL', { skip: `PostgreSQL is not installed (apt-get install ${POSTGRES_PACKAGES})` }, () => {});
} else {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  let count = 0;
  const urlOf = (name: string) => {
    const url = new URL(postgres.url);
    url.pathname = `/${name}`;
    return url.toString();
  };

  after(async () => {
    try {
      const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${PREFIX}%`]);
      assert.deepEqual(rows.map((row) => row.datname), [], 'every test database was dropped');
    } finally {
      await admin.end();
      await postgres.stop();
    }
  });

  metadataConformance({
    name: 'postgres',
    async createDatabase() {
      const name = `${PREFIX}${++count}`;
      await admin.query(`create database ${name} template template0 locale_provider icu icu_locale 'en-US'`);
      return urlOf(name);
    },
    async dropDatabase(url) {
      await admin.query(`drop database ${pg.escapeIdentifier(new URL(url).pathname.slice(1))} with (force)`);
    },
  });
}
