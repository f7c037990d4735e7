// ingestStream hashing on the worker thread (@repoman/bytes' BackgroundSha256): the same size
// and sha256 as hashing inline; it takes its batches from the shared pool and gives them back.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { BackgroundSha256 } from '@repoman/bytes';
import { BufferPool } from '../../src/storage/buffer-pool.js';
import { ingestStream } from '../../src/storage/ingest-stream.js';
import { generatedSource } from './test-sources.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('ingestStream with background hashing', () => {
  const hashing = new BackgroundSha256();
  after(() => hashing.close());

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

});
