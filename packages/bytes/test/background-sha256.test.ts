// SHA-256 on a worker thread: interleaved sessions each get the digest of their own bytes, in
// the order sent; a worker that dies fails the sessions in flight (and their later calls),
// and the next session starts a new worker.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { BackgroundSha256 } from '../src/background-sha256.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const shared = (bytes: Buffer): SharedArrayBuffer => {
  const memory = new SharedArrayBuffer(bytes.length);
  Buffer.from(memory).set(bytes);
  return memory;
};

describe('BackgroundSha256', () => {
  const hashing = new BackgroundSha256();
  after(() => hashing.close());

  it('keeps one hash per session, updated in the order sent', async () => {
    const a = randomBytes(300_000);
    const b = randomBytes(200_000);
    const [sa, sb] = [hashing.session(), hashing.session()];
    const memoryA = shared(a);
    const memoryB = shared(b);
    await Promise.all([
      sa.update(memoryA, 0, 100_000), sb.update(memoryB, 0, 50_000), sa.update(memoryA, 100_000, 200_000), sb.update(memoryB, 50_000, 150_000),
    ]);
    assert.deepEqual(await Promise.all([sa.digest(), sb.digest()]), [sha256(a), sha256(b)]);
    const empty = hashing.session();
    assert.equal(await empty.digest(), sha256(Buffer.alloc(0)));
    const dropped = hashing.session();
    await dropped.update(memoryA, 0, 10);
    dropped.drop();
  });

  it('a dead worker fails the sessions in flight; the next session starts a new one', async () => {
    const local = new BackgroundSha256();
    const session = local.session();
    const memory = shared(randomBytes(64 * 1024 * 1024));
    const updating = session.update(memory, 0, memory.byteLength);
    await local.close();
    await assert.rejects(updating, /hashing thread stopped/);
    await assert.rejects(session.digest(), /hashing thread stopped/, 'its hash is gone with the worker');
    const next = local.session();
    const bytes = randomBytes(1000);
    await next.update(shared(bytes), 0, bytes.length);
    assert.equal(await next.digest(), sha256(bytes));
    await local.close();
  });
});
