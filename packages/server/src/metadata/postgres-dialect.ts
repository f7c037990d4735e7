/**
 * The PostgreSQL metadata dialect (`database.url = "postgres://user:pass@host:5432/db"`, also
 * `postgresql://`, with libpq-style query parameters such as `sslmode`), through a node-postgres
 * pool. The pool's own type parsers turn int8 (bigint sizes, count(*)) into numbers, refusing
 * values past 2^53 rather than rounding them, so that records look exactly as on SQLite; other
 * types keep pg's defaults (our schema stores booleans as 0/1 integers and timestamps as text).
 * Failing to connect becomes MetadataUnavailable, naming the database without its password.
 * Unique and foreign key violations are SQLSTATE 23505 and 23503. node-postgres is loaded at
 * the first connection, so that a server on SQLite does not carry it.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import type { Database } from './database-schema.js';
import { redactDatabaseUrl } from './database-url.js';
import type { MetadataDialect } from './metadata-dialect.js';
import { MetadataUnavailable } from './store-errors.js';

const INT8_OID = 20;
const CONNECT_TIMEOUT_MS = 10_000;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`the bigint ${text} is beyond JavaScript's safe integers`);
  return value;
}

function typesOf(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? parseInt8 : driver.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/** One line saying why a connection failed (Node reports refused dual-stack connects as an AggregateError without a message). */
function describeFailure(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map((inner) => describeFailure(inner)))].join('; ');
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const text = message !== '' ? message : typeof code === 'string' ? code : 'unknown error';
  return text.replace(/\s+/g, ' ').trim();
}

async function openPool(url: string, max?: number): Promise<pg.Pool> {
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: url,
    types: typesOf(driver),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'repoman-server',
    ...(max !== undefined && { max }),
  });
  // An idle client whose server went away is dropped by the pool; without a listener the
  // 'error' event would end the process.
  pool.on('error', () => {});
  return pool;
}

function openKysely(url: string, max?: number): Kysely<Database> {
  let opening: Promise<pg.Pool> | undefined;
  const pool = (): Promise<pg.Pool> => (opening ??= openPool(url, max));
  const guarded = {
    connect: async () =>
      (await pool()).connect().catch((error: unknown) => {
        throw new MetadataUnavailable(`cannot connect to the database ${redactDatabaseUrl(url)}: ${describeFailure(error)}`, { cause: error });
      }),
    end: async () => {
      if (opening !== undefined) await (await opening).end();
    },
  };
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: guarded }) });
}

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

export const postgresDialect: MetadataDialect = {
  name: 'postgres',
  matches: (url) => /^postgres(ql)?:\/\//.test(url),
  open: (url) => openKysely(url),
  async probe(url) {
    const db = openKysely(url, 1);
    try {
      await sql`select 1`.execute(db);
    } finally {
      await db.destroy();
    }
  },
  serialPrimaryKey: (column) => column.primaryKey().generatedByDefaultAsIdentity(),
  byteOrderCollation: 'C',
  substringIndex: 'pg-trgm',
  isUniqueViolation: (error) => codeOf(error) === '23505',
  isForeignKeyViolation: (error) => codeOf(error) === '23503',
};
