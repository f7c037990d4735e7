// Hashing uploads on a worker thread: interleaved sessions each get the digest of their own
// bytes, in the order sent; ingestStream with `hashing` gives the same size and sha256 as
// hashing inline, takes its batches from the shared pool and gives them back; a worker that
// dies fails the sessions in flight, and the next session starts a new worker.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { BackgroundHashing } from '../../src/storage/background-hashing.js';
import { BufferPool } from '../../src/storage/buffer-pool.js';
import { ingestStream } from '../../src/storage/ingest-stream.js';
import { generatedSource } from './test-sources.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const shared = (bytes: Buffer): SharedArrayBuffer => {
  const memory = new SharedArrayBuffer(bytes.length);
  Buffer.from(memory).set(bytes);
  return memory;
};

describe('BackgroundHashing', () => {
  const hashing = new BackgroundHashing();
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

  it('ingestStream with it gives the inline result and returns its batches to the pool', async () => {
    const pool = new BufferPool(256 * 1024, 4, (bytes) => Buffer.from(new SharedArrayBuffer(bytes)));
    const source = generatedSource(3 * 1024 * 1024 + 5);
    const written: Buffer[] = [];
    const result = await ingestStream(source.stream, async (batch) => void written.push(Buffer.from(batch)), {
      batchBytes: 256 * 1024, hashing: { worker: hashing, buffers: pool },
    });
    assert.deepEqual(result, { size: 3 * 1024 * 1024 + 5, sha256: source.sha256() });
    assert.equal(sha256(Buffer.concat(written)), source.sha256());
    assert.equal(pool.idle, 2, 'both batches back in the pool');
    await assert.rejects(ingestStream(generatedSource(10).stream, async () => {}, { batchBytes: 1024, hashing: { worker: hashing, buffers: pool } }), RangeError);
  });

  it('a dead worker fails the sessions in flight; the next session starts a new one', async () => {
    const local = new BackgroundHashing();
    const session = local.session();
    const memory = shared(randomBytes(64 * 1024 * 1024));
    const updating = session.update(memory, 0, memory.byteLength);
    await local.close();
    await assert.rejects(updating, /hashing thread stopped/);
    const next = local.session();
    const bytes = randomBytes(1000);
    await next.update(shared(bytes), 0, bytes.length);
    assert.equal(await next.digest(), sha256(bytes));
    await local.close();
  });
});
