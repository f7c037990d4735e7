/**
 * The metadata conformance suite on PostgreSQL: one throwaway cluster for the file
 * (`test-services/postgres.sh` through the helper) with one database, and a new schema for each
 * test, named in the test's `database.url` (`?options=-c search_path=…`, as an operator may do)
 * and dropped afterwards; the run fails if one is left behind. The database uses an ICU en-US
 * collation, unlike the C locale of the cluster, so that the suite shows names sorting byte by
 * byte whatever the server's locale. Plus what only this dialect does: int8 parsing. Skipped
 * only when PostgreSQL is not installed.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { POSTGRES_PACKAGES, startPostgres } from './helpers/test-services.js';
import { metadataConformance, type MetadataBackend } from './metadata-conformance.js';
import { withDatabase } from './metadata-conformance/harness.js';

const DATABASE = 'repoman_tests';
const PREFIX = 'test_';
const postgres = await startPostgres();

if (postgres === null) {
  test('metadata conformance on PostgreSQL', { skip: `PostgreSQL is not installed (apt-get install ${POSTGRES_PACKAGES})` }, () => {});
} else {
  const setup = new pg.Client({ connectionString: postgres.url });
  await setup.connect();
  await setup.query(`create database ${DATABASE} template template0 locale_provider icu icu_locale 'en-US'`);
  await setup.end();
  const databaseUrl = new URL(postgres.url);
  databaseUrl.pathname = `/${DATABASE}`;
  const admin = new pg.Client({ connectionString: databaseUrl.toString() });
  await admin.connect();
  let count = 0;

  after(async () => {
    try {
      const { rows } = await admin.query<{ name: string }>('select nspname as name from pg_namespace where nspname like $1', [`${PREFIX}%`]);
      assert.deepEqual(rows.map((row) => row.name), [], 'every test schema was dropped');
    } finally {
      await admin.end();
      await postgres.stop();
    }
  });

  const backend: MetadataBackend = {
    name: 'postgres',
    async createDatabase() {
      const schema = `${PREFIX}${++count}`;
      await admin.query(`create schema ${schema}`);
      const url = new URL(databaseUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return url.toString();
    },
    async dropDatabase(url) {
      const schema = /search_path=(\w+)/.exec(new URL(url).searchParams.get('options') ?? '')?.[1];
      if (schema === undefined) throw new Error(`no schema in ${url}`);
      await admin.query(`drop schema ${pg.escapeIdentifier(schema)} cascade`);
    },
  };

  metadataConformance(backend);

  test(
    'int8 values (sizes, counts) come back as numbers; past 2^53 the query fails rather than rounding',
    withDatabase(backend, async ({ metadata }) => {
      const { rows } = await sql<{ n: unknown; c: unknown }>`select 9007199254740991::bigint as n, count(*) as c from users`.execute(metadata.db);
      assert.deepEqual(rows, [{ n: Number.MAX_SAFE_INTEGER, c: 0 }]);
      await assert.rejects(sql`select 9007199254740993::bigint as n`.execute(metadata.db), /beyond JavaScript's safe integers/);
      await metadata.ping();
    }),
  );
}
