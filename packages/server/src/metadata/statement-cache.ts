/**
 * better-sqlite3 with its statements prepared once per SQL text: kysely's SQLite driver calls
 * `prepare` for every query, and parsing and planning the listing's SQL cost as much as
 * running it. The SQL texts are kysely's compiled queries with `?` parameters, so there are few
 * of them; past MAX_STATEMENTS the cache starts again empty. Kysely never iterates two queries
 * at once on one connection (the connection is held until a query's rows are all read), so a
 * statement is never busy when it is reused.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

const MAX_STATEMENTS = 500;

export function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => void database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= MAX_STATEMENTS) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
