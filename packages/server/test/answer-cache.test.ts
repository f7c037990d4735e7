// The answer cache's own rules (http/answer-cache.ts): an answer is good until the next write
// through the stores or for at most its time to live, an answer computed while a write
// finished is not kept, memory stays within its bound however many distinct URLs are asked
// (least recently used first out), and an over-large answer is never kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerCache, type CachedAnswer } from '../src/http/answer-cache.js';

const answer = (bytes: number): CachedAnswer => ({ headers: { 'content-type': 'application/json' }, body: Buffer.alloc(bytes), route: '/api/whoami', etag: '"x"', lastModified: null });

test('an answer is good until the next write or for its time to live', () => {
  let writes = 0;
  let now = 1_000;
  const cache = new AnswerCache(() => writes, 1_000, 1 << 20, 1 << 16, () => now);
  cache.put('a', answer(10), cache.currentVersion());
  assert.ok(cache.get('a'));
  writes += 1;
  assert.equal(cache.get('a'), undefined, 'a write through the stores');
  assert.ok(cache.knows('a'), 'still known as cacheable');
  assert.equal(cache.knows('never'), false);
  cache.put('a', answer(10), cache.currentVersion());
  now += 999;
  assert.ok(cache.get('a'));
  now += 1;
  assert.equal(cache.get('a'), undefined, 'older than 1 s');
  const began = cache.currentVersion();
  writes += 1;
  cache.put('b', answer(10), began);
  assert.equal(cache.get('b'), undefined, 'a write finished while it was computed');
});

test('memory stays within the bound, least recently used out first; an over-large answer is not kept', () => {
  const cache = new AnswerCache(() => 0, 60_000, 64 * 1024, 8 * 1024);
  cache.put('first', answer(1_000), 0);
  for (let i = 0; i < 10_000; i += 1) {
    cache.put(`/api/images?q=${i}`, answer(1_000), 0);
    if (i % 10 === 0) assert.ok(cache.get('first'), 'used often: kept');
    assert.ok(cache.size <= 64 * 1024, `${cache.size} bytes`);
  }
  assert.equal(cache.get('/api/images?q=0'), undefined, 'the oldest went');
  assert.ok(cache.get('/api/images?q=9999'));
  cache.put('large', answer(8 * 1024), 0);
  assert.equal(cache.get('large'), undefined);
});
