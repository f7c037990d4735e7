/**
 * `withStatementCache` (metadata/statement-cache.ts): a statement is prepared once per SQL
 * text, and the rows it returns are exactly better-sqlite3's own row objects (same keys in
 * the same order, same values, a repeated column name keeping its last value, a column named
 * `__proto__` as better-sqlite3 treats it), for `all`, `iterate`, RETURNING and writes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { withStatementCache } from '../src/metadata/statement-cache.js';

function database() {
  const plain = new BetterSqlite3(':memory:');
  plain.exec(`create table t (id integer primary key, name text, size bigint, note text); insert into t (name, size, note) values ('a', 1, null), ('b', 2.5, 'x'), ('c', 3, '')`);
  return { plain, cached: withStatementCache(plain) };
}

test('rows are the objects better-sqlite3 makes, key for key', () => {
  const { plain, cached } = database();
  for (const sql of [
    'select * from t order by id',
    'select id, name as id from t order by id',
    'select name as "__proto__", id from t order by id',
    'select count(*) as n, max(size) from t',
    'select * from t where id = ?',
  ]) {
    const parameters = sql.includes('?') ? [2] : [];
    const expected = plain.prepare(sql).all(parameters);
    const rows = cached.prepare(sql).all(parameters);
    assert.deepEqual(rows, expected, sql);
    assert.deepEqual(rows.map((row) => Object.keys(row as object)), expected.map((row) => Object.keys(row as object)), sql);
    assert.deepEqual([...cached.prepare(sql).iterate(parameters)], expected, `${sql} (iterate)`);
  }
});

test('one statement per SQL text; writes and RETURNING work through it', () => {
  const { cached } = database();
  assert.equal(cached.prepare('select * from t'), cached.prepare('select * from t'));
  const insert = cached.prepare('insert into t (name, size) values (?, ?) returning id, name');
  assert.equal(insert.reader, true);
  assert.deepEqual(insert.all(['d', 4]), [{ id: 4, name: 'd' }]);
  const update = cached.prepare('update t set size = size + 1 where name = ?');
  assert.equal(update.reader, false);
  assert.equal(update.run(['d']).changes, 1);
  assert.deepEqual(cached.prepare('select size from t where name = ?').all(['d']), [{ size: 5 }]);
});
