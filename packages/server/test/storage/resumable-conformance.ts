// The resumable-upload part of the blob store conformance suite (run by
// blob-store-conformance.ts for every driver): appends at checked offsets, an offset any
// instance reads the same (a reopened store stands for another process or a restart), a cut
// source that keeps a durable prefix to resume from, commit under the content-addressed key,
// cancel, sweepUploads() leaving resumable uploads alone, and listResumable() giving every
// instance the handles of stored uploads with their last write. Sizes cross the S3 part size
// (8 MiB in its test) so that the short tail kept beside the parts is exercised.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { AppendDigestError, BlobNotFoundError, BlobTooLargeError, OffsetMismatchError, UploadAbortedError } from '../../src/storage/blob-errors.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import type { Scenario } from './blob-store-conformance.js';
import { bytesOf, sha256Of, sourceOf } from './test-sources.js';

const MiB = 1024 * 1024;

type Test = (title: string, body: (s: Scenario) => Promise<void>) => void;

export function runResumableConformance(test: Test): void {
  test('resumable: appends in pieces of any size, from another instance, commit to the content-addressed key', async ({ store, harness, track }) => {
    const content = randomBytes(19 * MiB + 333);
    const upload = await store.createResumable();
    assert.equal(await upload.offset(), 0);
    const cuts = [0, 100, 3 * MiB + 1, 11 * MiB + 7, content.length];
    const other = await harness.reopen();
    for (let i = 0; i + 1 < cuts.length; i += 1) {
      // Alternate instances: the offset and the bytes live in storage, not in a process.
      const instance = i % 2 === 0 ? store : other;
      const resumed = instance.openResumable(upload.handle);
      assert.equal(await resumed.offset(), cuts[i]);
      const piece = content.subarray(cuts[i], cuts[i + 1]);
      assert.deepEqual(await resumed.append(cuts[i]!, sourceOf(piece)), { offset: cuts[i + 1], sha256: sha256Of(piece) });
    }
    assert.equal(await other.openResumable(upload.handle).offset(), content.length);
    const ref = track(await other.openResumable(upload.handle).commit());
    assert.deepEqual({ size: ref.size, sha256: ref.sha256 }, { size: content.length, sha256: sha256Of(content) });
    assert.ok(ref.key.endsWith(sha256Of(content)), 'the same key rule as one-shot uploads');
    assert.deepEqual(await bytesOf(await store.read(ref.key)), content);
    await assert.rejects(upload.offset(), BlobNotFoundError, 'the upload is gone once committed');
    await other.close();
  });

  test('resumable: an append at the wrong offset reads nothing and changes nothing', async ({ store }) => {
    const upload = await store.createResumable();
    await upload.append(0, sourceOf('12345'));
    const source = sourceOf('never read');
    await assert.rejects(upload.append(3, source), (error: unknown) => error instanceof OffsetMismatchError && error.actual === 5);
    await assert.rejects(upload.append(6, sourceOf('x')), OffsetMismatchError);
    assert.equal(source.readableEnded, false);
    assert.equal(await upload.offset(), 5);
    await upload.cancel();
  });

  test('resumable: a source cut mid-way keeps a durable prefix, and the upload resumes from it', async ({ store, harness, track }) => {
    const content = randomBytes(21 * MiB);
    const upload = await store.createResumable();
    const cut = new PassThrough();
    const appending = upload.append(0, cut);
    // 18 MiB arrive, then the connection dies.
    for (let at = 0; at < 18 * MiB; at += MiB) {
      if (!cut.write(content.subarray(at, at + MiB))) await new Promise((resolve) => cut.once('drain', resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    cut.destroy(new Error('connection reset'));
    await assert.rejects(appending, UploadAbortedError);

    const restarted = await harness.reopen();
    const resumed = restarted.openResumable(upload.handle);
    const kept = await resumed.offset();
    assert.ok(kept > 0 && kept <= 18 * MiB, `kept ${kept} bytes of the 18 MiB that arrived`);
    await resumed.append(kept, sourceOf(content.subarray(kept)));
    const ref = track(await resumed.commit());
    assert.equal(ref.sha256, sha256Of(content));
    await restarted.close();
  });

  test('resumable: an empty upload commits to the empty blob; cancel removes the bytes and is idempotent', async ({ store, track }) => {
    const empty = await store.createResumable();
    const ref = track(await empty.commit());
    assert.equal(ref.size, 0);
    assert.equal(ref.sha256, sha256Of(''));

    const cancelled = await store.createResumable();
    await cancelled.append(0, sourceOf(randomBytes(9 * MiB)));
    await cancelled.cancel();
    await cancelled.cancel();
    await assert.rejects(cancelled.offset(), BlobNotFoundError);
    await assert.rejects(cancelled.commit(), BlobNotFoundError);
    await store.openResumable('not-a-handle-of-this-store').cancel();
    await assert.rejects(store.openResumable('../../etc/passwd').offset(), BlobNotFoundError);
  });

  test('resumable: an append whose bytes miss the announced sha256 is undone; the right bytes then land', async ({ store, harness, track }) => {
    const head = randomBytes(3 * MiB);
    const rest = randomBytes(10 * MiB + 9);
    const upload = await store.createResumable();
    await upload.append(0, sourceOf(head), { sha256: sha256Of(head) });
    const corrupted = Buffer.from(rest);
    corrupted.writeUInt8(corrupted.readUInt8(5 * MiB) ^ 0xff, 5 * MiB);
    await assert.rejects(upload.append(head.length, sourceOf(corrupted), { sha256: sha256Of(rest) }), AppendDigestError);
    const restarted = await harness.reopen();
    const resumed = restarted.openResumable(upload.handle);
    assert.equal(await resumed.offset(), head.length, 'the refused bytes are not counted');
    assert.equal((await resumed.append(head.length, sourceOf(rest), { sha256: sha256Of(rest) })).offset, head.length + rest.length);
    const ref = track(await resumed.commit());
    assert.equal(ref.sha256, sha256Of(Buffer.concat([head, rest])));
    await restarted.close();
  });

  test('resumable: a commit told the size and sha256 publishes under them without hashing again', async ({ store, track }) => {
    const content = randomBytes(3 * MiB);
    const upload = await store.createResumable();
    const appended = await upload.append(0, sourceOf(content));
    assert.equal(appended.sha256, sha256Of(content));
    const ref = track(await upload.commit(undefined, { size: content.length, sha256: appended.sha256 }));
    assert.deepEqual({ size: ref.size, sha256: ref.sha256 }, { size: content.length, sha256: sha256Of(content) });
    assert.deepEqual(await bytesOf(await store.read(ref.key)), content);
  });

  test('resumable: a commit whose check refuses the digest publishes nothing; cancel then leaves nothing', async ({ store }) => {
    const content = randomBytes(9 * MiB + 5);
    const upload = await store.createResumable();
    await upload.append(0, sourceOf(content));
    let seen: { size: number; sha256: string } | undefined;
    await assert.rejects(
      upload.commit(async (written) => {
        seen = written;
        throw new Error('not the announced digest');
      }),
      /not the announced digest/,
    );
    assert.deepEqual(seen, { size: content.length, sha256: sha256Of(content) });
    assert.equal(await store.stat(`blobs/sha256/${sha256Of(content).slice(0, 2)}/${sha256Of(content)}`), null);
    await upload.cancel();
  });

  test('resumable: maxBytes stops an append at the limit, keeping what fit', async ({ store }) => {
    const upload = await store.createResumable();
    await assert.rejects(upload.append(0, sourceOf(randomBytes(2 * MiB)), { maxBytes: MiB }), /exceeds the limit/);
    assert.ok((await upload.offset()) <= MiB);
    await upload.cancel();
  });

  test('resumable: sweepUploads never removes a resumable upload, however old', async ({ store, harness }) => {
    const upload = await store.createResumable();
    await upload.append(0, sourceOf('kept until its row expires'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const restarted = await harness.reopen();
    assert.equal(await restarted.sweepUploads(0), 0);
    assert.equal(await restarted.openResumable(upload.handle).offset(), 26);
    await upload.cancel();
    await restarted.close();
  });

  test('resumable: listResumable gives any instance the handles of stored uploads by their last write; an upload cancelled or committed is gone', async ({ store, harness, track }) => {
    const started = Date.now();
    const parted = await store.createResumable();
    await parted.append(0, sourceOf(randomBytes(9 * MiB + 1))); // a part and a tail on S3
    const empty = await store.createResumable();
    const other = await harness.reopen();
    const listed = await listedHandles(other, 0);
    assert.ok(listed.has(parted.handle) && listed.has(empty.handle), [...listed.keys()].join('\n'));
    // Storage clocks may count whole seconds.
    for (const handle of [parted.handle, empty.handle]) assert.ok(Math.abs(listed.get(handle)!.getTime() - started) < 5000, `${handle}: ${listed.get(handle)!.toISOString()}`);
    assert.equal(await other.openResumable(parted.handle).offset(), 9 * MiB + 1, 'a listed handle opens the upload');
    const young = await listedHandles(other, 3600_000);
    assert.ok(!young.has(parted.handle) && !young.has(empty.handle), 'an upload written within the age is not listed');
    await empty.cancel();
    track(await parted.commit());
    const after = await listedHandles(store, 0);
    assert.ok(!after.has(parted.handle) && !after.has(empty.handle));
    await other.close();
  });
}

/** The handles listResumable(olderThanMs) gives, with their last write. */
async function listedHandles(store: Scenario['store'], olderThanMs: number): Promise<Map<string, Date>> {
  const listed = new Map<string, Date>();
  for await (const { handle, since } of store.listResumable(olderThanMs)) listed.set(handle, since);
  return listed;
}

/**
 * Uploads based on a blob (delta re-saves): the stored bytes start as the base's, cut or
 * extended with zeros to the new length, with no byte read through the process; writeAt()
 * replaces blocks (from another instance too) but never writes past the length; commit hashes
 * every byte; the base blob is untouched. Run for the drivers that have createResumableFrom.
 */
export function runBasedOnConformance(test: Test): void {
  test('based on a blob: a copy of the base, grown with zeros, blocks replaced from any instance, committed whole; the base unchanged', async ({ store, harness, put, track }) => {
    const base = randomBytes(19 * MiB + 333);
    const baseRef = await put(base);
    const upload = await store.createResumableFrom!(baseRef.key, 25 * MiB);
    assert.equal(await upload.offset(), 25 * MiB, 'every byte is there at once');
    const block = randomBytes(8 * MiB);
    assert.deepEqual(await upload.writeAt!(8 * MiB, sourceOf(block)), { written: 8 * MiB, sha256: sha256Of(block) });
    const other = await harness.reopen();
    await assert.rejects(other.openResumable(upload.handle).writeAt!(24 * MiB, sourceOf(randomBytes(MiB + 1))), BlobTooLargeError, 'never past the length');
    assert.equal(await other.openResumable(upload.handle).offset(), 25 * MiB);
    const tail = randomBytes(MiB);
    await other.openResumable(upload.handle).writeAt!(24 * MiB, sourceOf(tail));
    const expected = Buffer.concat([base.subarray(0, 8 * MiB), block, base.subarray(16 * MiB), Buffer.alloc(24 * MiB - base.length), tail]);
    const ref = track(await other.openResumable(upload.handle).commit());
    assert.deepEqual({ size: ref.size, sha256: ref.sha256 }, { size: expected.length, sha256: sha256Of(expected) });
    assert.deepEqual(await bytesOf(await store.read(ref.key)), expected);
    assert.deepEqual(await bytesOf(await store.read(baseRef.key)), base, 'the base is untouched');
    await other.close();
  });

  test('based on a blob: the creating instance commits after blocks replaced behind and ahead, by it and by another instance', async ({ store, harness, put, track }) => {
    const base = randomBytes(40 * MiB + 7);
    const baseRef = await put(base);
    const upload = await store.createResumableFrom!(baseRef.key, base.length);
    const other = await harness.reopen();
    const expected = Buffer.from(base);
    const write = async (instance: BlobStore, at: number, length: number): Promise<void> => {
      const bytes = randomBytes(length);
      await instance.openResumable(upload.handle).writeAt!(at, sourceOf(bytes));
      bytes.copy(expected, at);
    };
    await write(store, 24 * MiB, 8 * MiB);
    await write(other, 8 * MiB, 8 * MiB); // behind, from elsewhere
    await write(store, 32 * MiB, 8 * MiB + 7); // the last block
    await write(other, 0, 8 * MiB);
    await write(store, 24 * MiB, 8 * MiB); // the same block again
    const ref = track(await store.openResumable(upload.handle).commit());
    assert.deepEqual({ size: ref.size, sha256: ref.sha256 }, { size: expected.length, sha256: sha256Of(expected) });
    assert.deepEqual(await bytesOf(await store.read(ref.key)), expected);
    await other.close();
  });

  test('based on a blob: a shorter length cuts the copy; an unknown base is BlobNotFoundError and leaves nothing', async ({ store, put, track }) => {
    const base = randomBytes(3 * MiB);
    const baseRef = await put(base);
    const upload = await store.createResumableFrom!(baseRef.key, MiB + 5);
    const ref = track(await upload.commit());
    assert.deepEqual(await bytesOf(await store.read(ref.key)), base.subarray(0, MiB + 5));
    await assert.rejects(store.createResumableFrom!(`blobs/sha256/00/${'0'.repeat(64)}`, 10), BlobNotFoundError);
  });

  test('based on a blob: shrunk across blocks, a block rewritten twice, untouched blocks are the base; the base unchanged', async ({ store, harness, put, track }) => {
    const base = randomBytes(27 * MiB + 5);
    const baseRef = await put(base);
    const length = 17 * MiB + 9; // blocks 0 and 1 whole, block 2 cut short
    const upload = await store.createResumableFrom!(baseRef.key, length);
    const other = await harness.reopen();
    const first = randomBytes(8 * MiB);
    const second = randomBytes(8 * MiB);
    await upload.writeAt!(8 * MiB, sourceOf(first));
    assert.deepEqual(await other.openResumable(upload.handle).writeAt!(8 * MiB, sourceOf(second)), { written: 8 * MiB, sha256: sha256Of(second) }, 'the second write wins, from another instance');
    const last = randomBytes(MiB + 9);
    await other.openResumable(upload.handle).writeAt!(16 * MiB, sourceOf(last));
    const expected = Buffer.concat([base.subarray(0, 8 * MiB), second, last]);
    const ref = track(await (await harness.reopen()).openResumable(upload.handle).commit());
    assert.deepEqual({ size: ref.size, sha256: ref.sha256 }, { size: length, sha256: sha256Of(expected) });
    assert.deepEqual(await bytesOf(await store.read(ref.key)), expected);
    assert.deepEqual(await bytesOf(await store.read(baseRef.key)), base, 'the base is untouched');
    await other.close();
  });

  test('based on a blob: untouched, the copy is the base byte for byte (its key); a base of 0 bytes grows into zeros; a length of 0 is the empty blob', async ({ store, put, track }) => {
    const base = randomBytes(17 * MiB + 1);
    const baseRef = await put(base);
    const same = track(await (await store.createResumableFrom!(baseRef.key, base.length)).commit());
    assert.deepEqual(same, baseRef, 'the same bytes: the same key, size and sha256');

    const emptyRef = await put('');
    const grown = await store.createResumableFrom!(emptyRef.key, 9 * MiB + 3);
    assert.equal(await grown.offset(), 9 * MiB + 3);
    const zeros = track(await grown.commit());
    assert.deepEqual({ size: zeros.size, sha256: zeros.sha256 }, { size: 9 * MiB + 3, sha256: sha256Of(Buffer.alloc(9 * MiB + 3)) });

    const nothing = await store.createResumableFrom!(baseRef.key, 0);
    assert.equal(await nothing.offset(), 0);
    await nothing.append(0, sourceOf(''));
    const empty = track(await nothing.commit());
    assert.deepEqual({ size: empty.size, sha256: empty.sha256 }, { size: 0, sha256: sha256Of('') });
  });

  test('based on a blob: a writeAt cut mid-way is rejected, the block written again lands whole', async ({ store, harness, put, track }) => {
    const base = randomBytes(24 * MiB);
    const baseRef = await put(base);
    const upload = await store.createResumableFrom!(baseRef.key, base.length);
    const blocks = randomBytes(16 * MiB);
    const cut = new PassThrough();
    const writing = upload.writeAt!(0, cut);
    // A block and a half arrive, then the connection dies.
    for (let at = 0; at < 12 * MiB; at += MiB) {
      if (!cut.write(blocks.subarray(at, at + MiB))) await new Promise((resolve) => cut.once('drain', resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    cut.destroy(new Error('connection reset'));
    await assert.rejects(writing, UploadAbortedError);
    const restarted = await harness.reopen();
    const resumed = restarted.openResumable(upload.handle);
    assert.equal(await resumed.offset(), base.length, 'still every byte');
    await resumed.writeAt!(0, sourceOf(blocks));
    const ref = track(await resumed.commit());
    assert.equal(ref.sha256, sha256Of(Buffer.concat([blocks, base.subarray(16 * MiB)])));
    await restarted.close();
  });

  test('based on a blob: a commit whose check refuses the digest publishes nothing; cancel leaves nothing, and is idempotent', async ({ store, put }) => {
    const base = randomBytes(10 * MiB);
    const baseRef = await put(base);
    const refused = await store.createResumableFrom!(baseRef.key, 12 * MiB);
    const block = randomBytes(4 * MiB);
    await refused.writeAt!(8 * MiB, sourceOf(block));
    const content = Buffer.concat([base.subarray(0, 8 * MiB), block]);
    await assert.rejects(
      refused.commit(async (written) => {
        assert.deepEqual(written, { size: content.length, sha256: sha256Of(content) });
        throw new Error('not the announced digest');
      }),
      /not the announced digest/,
    );
    assert.equal(await store.stat(`blobs/sha256/${sha256Of(content).slice(0, 2)}/${sha256Of(content)}`), null, 'nothing published');
    await refused.cancel();

    const cancelled = await store.createResumableFrom!(baseRef.key, 20 * MiB);
    await cancelled.writeAt!(0, sourceOf(randomBytes(8 * MiB)));
    await cancelled.cancel();
    await cancelled.cancel();
    await assert.rejects(cancelled.offset(), BlobNotFoundError);
    await assert.rejects(cancelled.writeAt!(0, sourceOf(randomBytes(8 * MiB))), BlobNotFoundError);
    await assert.rejects(cancelled.commit(), BlobNotFoundError);
    assert.deepEqual(await bytesOf(await store.read(baseRef.key)), base, 'the base is untouched');
  });

  test('based on a blob: listResumable gives its handle as created (with its length), and nothing once cancelled', async ({ store, harness, put }) => {
    const baseRef = await put(randomBytes(9 * MiB));
    const uploads = [await store.createResumableFrom!(baseRef.key, 17 * MiB + 5), await store.createResumableFrom!(baseRef.key, 0)];
    const other = await harness.reopen();
    const listed = await listedHandles(other, 0);
    for (const upload of uploads) assert.ok(listed.has(upload.handle), `${upload.handle} not in\n${[...listed.keys()].join('\n')}`);
    for (const upload of uploads) await upload.cancel();
    const after = await listedHandles(other, 0);
    for (const upload of uploads) assert.ok(!after.has(upload.handle));
    await other.close();
  });
}
