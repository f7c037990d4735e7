// The write loop shared by the drivers, tested with an in-memory sink: small chunks reach the
// sink in batches of exactly batchBytes (the last one shorter) and in order, one write is in
// flight at a time, a failing sink stops the loop, and a string source is taken as UTF-8.
// The limit, abort and source-failure edges are covered per driver by the conformance suite;
// here only a failure raised inside ingestStream's own read(), which no driver could see.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BlobTooLargeError, UploadAbortedError } from '../../src/storage/blob-errors.js';
import { DEFAULT_BATCH_BYTES, ingestStream } from '../../src/storage/ingest-stream.js';
import { generatedSource, sha256Of } from './test-sources.js';

const MiB = 1024 * 1024;

describe('ingestStream', () => {
  it('gathers 16 KiB chunks into 1 MiB batches, in order, the last one shorter', async () => {
    const source = generatedSource(5 * MiB + 1234);
    const sizes: number[] = [];
    const hash = createHash('sha256');
    const result = await ingestStream(source.stream, async (batch) => {
      sizes.push(batch.length);
      hash.update(batch);
    });
    assert.equal(DEFAULT_BATCH_BYTES, MiB);
    assert.deepEqual(sizes, [MiB, MiB, MiB, MiB, MiB, 1234]);
    assert.deepEqual(result, { size: 5 * MiB + 1234, sha256: source.sha256() });
    assert.equal(hash.digest('hex'), source.sha256(), 'the sink saw the same bytes, in order');
  });

  it('splits chunks larger than a batch and keeps one sink call in flight at a time', async () => {
    const source = generatedSource(10 * MiB, { chunkBytes: 3 * MiB });
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    await ingestStream(source.stream, async (batch) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      sizes.push(batch.length);
      await sleep(2);
      inFlight -= 1;
    }, { batchBytes: 4 * MiB });
    assert.deepEqual(sizes, [4 * MiB, 4 * MiB, 2 * MiB]);
    assert.equal(most, 1);
  });

  it('a failing sink stops the loop with its own error, not an upload error', async () => {
    const source = generatedSource(64 * MiB);
    let calls = 0;
    await assert.rejects(
      ingestStream(source.stream, async () => {
        calls += 1;
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      }),
      { code: 'ENOSPC' },
    );
    assert.ok(calls <= 2, `the sink was called ${calls} times after failing`);
    assert.ok(source.producedBytes() < 4 * MiB);
    source.stream.destroy();
  });

  it('accepts string chunks as UTF-8 and an empty source as zero bytes', async () => {
    const text = 'grüße, ';
    const result = await ingestStream(Readable.from([text, text], { objectMode: true }), async () => {});
    assert.deepEqual(result, { size: 2 * Buffer.byteLength(text), sha256: sha256Of(text + text) });
    const empty = await ingestStream(Readable.from([]), async () => assert.fail('nothing to write'));
    assert.deepEqual(empty, { size: 0, sha256: sha256Of('') });
  });

  it('maxBytes 0 accepts only an empty source', async () => {
    await assert.rejects(ingestStream(Readable.from([Buffer.from('x')]), async () => {}, { maxBytes: 0 }), BlobTooLargeError);
    assert.equal((await ingestStream(Readable.from([]), async () => {}, { maxBytes: 0 })).size, 0);
  });

  it('a source failing inside read(), before any batch is flushed, rejects with its cause and never crashes the process', async () => {
    const source = generatedSource(64 * MiB, { failAfterBytes: 5 * MiB });
    const error = await ingestStream(source.stream, async () => {}, { batchBytes: 8 * MiB }).catch((e: unknown) => e);
    assert.ok(error instanceof UploadAbortedError, String(error));
    assert.match(String((error.cause as Error | undefined)?.message), /connection reset/);
    await sleep(20); // the stream emits 'error' on a later tick: it must find a listener
    assert.equal(source.stream.destroyed, true);
  });
});
