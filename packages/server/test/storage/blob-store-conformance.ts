// The one conformance suite of the BlobStore contract, run against every driver (filesystem
// now, S3 on a real Ceph RGW later) by calling runBlobStoreConformance() from the driver's
// test file, as distribution's storage/driver/testsuites does. Each test gets a fresh, empty
// backend; when it passes, the suite deletes the keys it committed and fails the test if the
// backend still holds anything (a temp file, an object, an unfinished multipart upload):
// a driver that leaves artifacts behind does not conform.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BlobNotFoundError, BlobTooLargeError, UploadAbortedError } from '../../src/storage/blob-errors.js';
import type { BlobRef, BlobStore, BlobUpload } from '../../src/storage/blob-store.js';
import { runBasedOnConformance, runResumableConformance } from './resumable-conformance.js';
import { bytesOf, digestOf, generatedSource, sha256Of, sourceOf } from './test-sources.js';

export interface BlobStoreHarness {
  /** A store over a fresh, empty backend. */
  readonly store: BlobStore;
  /** A second store instance over the same backend, as after a server restart. */
  reopen(): Promise<BlobStore>;
  /** Every artifact the backend holds (files, objects, pending multipart uploads), by name. */
  listAllArtifacts(): Promise<string[]>;
  /** Releases the backend (removes the directory, empties and deletes the bucket). */
  cleanup(): Promise<void>;
}

export interface Scenario {
  readonly store: BlobStore;
  readonly harness: BlobStoreHarness;
  /** Uploads and commits `content`; the suite deletes the key after the test. */
  put(content: string | Uint8Array): Promise<BlobRef>;
  /** Records a key the test committed itself, for deletion after the test. */
  track(ref: BlobRef): BlobRef;
}

const MiB = 1024 * 1024;

/** `basedOn`: the driver has createResumableFrom (uploads based on a blob, for delta re-saves). */
export function runBlobStoreConformance(name: string, makeStore: () => Promise<BlobStoreHarness>, options: { basedOn?: boolean } = {}): void {
  const test = (title: string, body: (s: Scenario) => Promise<void>): void => {
    it(title, async () => {
      const harness = await makeStore();
      const keys = new Set<string>();
      const track = (ref: BlobRef): BlobRef => (keys.add(ref.key), ref);
      const put = async (content: string | Uint8Array): Promise<BlobRef> =>
        track(await settle(await harness.store.createUpload(), (upload) => upload.write(sourceOf(content))));
      try {
        await body({ store: harness.store, harness, put, track });
        for (const key of keys) await harness.store.delete(key);
        assert.deepEqual(await harness.listAllArtifacts(), [], `${name} left artifacts behind`);
      } finally {
        await harness.cleanup();
      }
    });
  };

  describe(`${name} blob store conformance`, () => {
    test('write reports size and sha256; commit makes the same bytes readable under a key', async ({ store, put }) => {
      const ref = await put('the quick brown fox');
      assert.equal(ref.size, 19);
      assert.equal(ref.sha256, sha256Of('the quick brown fox'));
      assert.equal(typeof ref.key, 'string');
      assert.ok(ref.key.length > 0 && ref.key.length <= 200);
      assert.equal((await bytesOf(await store.read(ref.key))).toString(), 'the quick brown fox');
      assert.equal((await store.stat(ref.key))?.size, 19);
    });

    test('an empty blob round-trips with the sha256 of nothing', async ({ store, put }) => {
      const ref = await put('');
      assert.equal(ref.size, 0);
      assert.equal(ref.sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      assert.equal((await bytesOf(await store.read(ref.key))).length, 0);
      assert.equal((await store.stat(ref.key))?.size, 0);
    });

    test('a 64 MiB blob streams in 16 KiB chunks and reads back identical', async ({ store, track }) => {
      const source = generatedSource(64 * MiB);
      const ref = track(await settle(await store.createUpload(), (upload) => upload.write(source.stream)));
      assert.deepEqual({ size: ref.size, sha256: ref.sha256 }, { size: 64 * MiB, sha256: source.sha256() });
      assert.deepEqual(await digestOf(await store.read(ref.key)), { size: 64 * MiB, sha256: source.sha256() });
    });

    test('ranges: start only, start-end, the last byte, the whole, an end past the last byte', async ({ store, put }) => {
      const content = generatedBytes(3 * MiB + 5);
      const { key } = await put(content);
      const range = async (start?: number, end?: number): Promise<Buffer> => bytesOf(await store.read(key, { start, end }));
      assert.deepEqual(await range(MiB - 3), content.subarray(MiB - 3));
      assert.deepEqual(await range(MiB - 3, 2 * MiB + 7), content.subarray(MiB - 3, 2 * MiB + 8));
      assert.deepEqual(await range(content.length - 1), content.subarray(content.length - 1));
      assert.deepEqual(await range(content.length - 1, content.length - 1), content.subarray(content.length - 1));
      assert.deepEqual(await range(0, content.length - 1), content);
      assert.deepEqual(await range(), content);
      assert.deepEqual(await range(undefined, 9), content.subarray(0, 10));
      assert.deepEqual(await range(10, content.length + 1000), content.subarray(10));
    });

    test('a body that offers the sendTo() fast path sends exactly its range, else it is only a Readable', async ({ store, put }) => {
      const content = randomBytes(3 * MiB + 17);
      const { key } = await put(content);
      for (const range of [undefined, { start: MiB - 3, end: 2 * MiB + 7 }, { start: content.length - 1 }]) {
        const body = await store.read(key, range);
        const expected = content.subarray(range?.start ?? 0, (range?.end ?? content.length - 1) + 1);
        if (body.sendTo === undefined) {
          assert.deepEqual(await bytesOf(body), expected);
          continue;
        }
        const received: Buffer[] = [];
        const out = new Writable({
          write(chunk: Buffer, _encoding, callback) {
            received.push(Buffer.from(chunk)); // a fast path may reuse its buffers once the write called back
            callback();
          },
        });
        await body.sendTo(out);
        assert.deepEqual(Buffer.concat(received), expected);
        assert.equal(out.writableEnded, false, 'sendTo leaves ending the output to the caller');
      }
    });

    test('write takes any async iterable of bytes as well as a Readable', async ({ store, track }) => {
      const parts = [randomBytes(100_000), new Uint8Array(0), randomBytes(3 * MiB)];
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (const part of parts) yield part;
      }
      const ref = track(await settle(await store.createUpload(), (upload) => upload.write(chunks())));
      const content = Buffer.concat(parts);
      assert.deepEqual({ size: ref.size, sha256: ref.sha256 }, { size: content.length, sha256: sha256Of(content) });
      assert.deepEqual(await bytesOf(await store.read(ref.key)), content);
    });

    test('a range that selects nothing is a RangeError, not a short read', async ({ store, put }) => {
      const { key } = await put('0123456789');
      await assert.rejects(store.read(key, { start: 10 }), RangeError);
      await assert.rejects(store.read(key, { start: 5, end: 4 }), RangeError);
      await assert.rejects(store.read(key, { start: -1 }), RangeError);
      const empty = await put('');
      await assert.rejects(store.read(empty.key, { start: 0 }), RangeError);
    });

    test('identical content committed twice is stored once, under the same key', async ({ store, harness, put }) => {
      const first = await put('same bytes');
      await sleep(1100); // S3's Last-Modified counts whole seconds
      const before = Date.now();
      const second = await put('same bytes');
      assert.equal(second.key, first.key);
      assert.equal((await harness.listAllArtifacts()).length, 1);
      assert.deepEqual(await collect(store.list()), [first.key]);
      assert.ok((await store.stat(first.key))!.committedAt.getTime() >= before - 1000, 'a commit refreshes committedAt');
      assert.equal((await bytesOf(await store.read(second.key))).toString(), 'same bytes');
    });

    test('cancel, before or after write and however often, leaves nothing', async ({ store, harness }) => {
      const untouched = await store.createUpload();
      await untouched.cancel();
      const written = await store.createUpload();
      await written.write(sourceOf('never committed'));
      await written.cancel();
      await written.cancel();
      assert.deepEqual(await collect(store.list()), []);
      assert.deepEqual(await harness.listAllArtifacts(), []);
      await assert.rejects(written.commit(), /cancelled/);
    });

    test('cancel after commit does nothing: the blob stays', async ({ store, track }) => {
      const upload = await store.createUpload();
      await upload.write(sourceOf('kept'));
      const ref = track(await upload.commit());
      await upload.cancel();
      assert.equal((await bytesOf(await store.read(ref.key))).toString(), 'kept');
    });

    test('the upload order is enforced: one write, commit only after a successful write', async ({ store }) => {
      const upload = await store.createUpload();
      await assert.rejects(upload.commit(), /commit\(\) on an upload that is open/);
      await upload.write(sourceOf('once'));
      await assert.rejects(upload.write(sourceOf('twice')), /write\(\) on an upload that is written/);
      await upload.cancel();
    });

    test('exactly maxBytes is accepted', async ({ store, track }) => {
      const ref = track(await settle(await store.createUpload(), (upload) => upload.write(sourceOf('12345'), { maxBytes: 5 })));
      assert.equal(ref.size, 5);
    });

    test('one byte over maxBytes: BlobTooLargeError, reading stops at once, the source is left intact, nothing is visible', async ({ store, harness }) => {
      const source = generatedSource(64 * MiB);
      const upload = await store.createUpload();
      const error = await upload.write(source.stream, { maxBytes: MiB }).catch((e: unknown) => e);
      assert.ok(error instanceof BlobTooLargeError, String(error));
      assert.equal(error.maxBytes, MiB);
      assert.ok(source.producedBytes() < MiB + 256 * 1024, `read ${source.producedBytes()} bytes past a 1 MiB limit`);
      assert.equal(source.stream.destroyed, false, 'write() must leave the source to its owner');
      assert.deepEqual(await collect(store.list()), []);
      await assert.rejects(upload.commit(), /commit\(\) on an upload that is failed/);
      await upload.cancel();
      assert.deepEqual(await harness.listAllArtifacts(), []);
      source.stream.destroy();
    });

    test('a source that fails mid-stream: UploadAbortedError, nothing visible, cancel removes the temp', async ({ store, harness }) => {
      const source = generatedSource(64 * MiB, { failAfterBytes: 5 * MiB });
      const upload = await store.createUpload();
      const error = await upload.write(source.stream).catch((e: unknown) => e);
      assert.ok(error instanceof UploadAbortedError, String(error));
      assert.match(String((error.cause as Error | undefined)?.message), /connection reset/);
      assert.deepEqual(await collect(store.list()), []);
      await upload.cancel();
      assert.deepEqual(await harness.listAllArtifacts(), []);
    });

    test('a source that closes before its end (client gone): UploadAbortedError', async ({ store }) => {
      const source = generatedSource(64 * MiB, { closeAfterBytes: 3 * MiB });
      const upload = await store.createUpload();
      await assert.rejects(upload.write(source.stream), UploadAbortedError);
      await upload.cancel();
      assert.deepEqual(await collect(store.list()), []);
    });

    test('aborting the signal while the source stalls rejects at once with UploadAbortedError', async ({ store }) => {
      const source = generatedSource(Number.POSITIVE_INFINITY, { stallAfterBytes: 2 * MiB });
      const controller = new AbortController();
      const upload = await store.createUpload();
      const writing = upload.write(source.stream, { signal: controller.signal });
      while (source.producedBytes() < 2 * MiB) await sleep(5);
      controller.abort(new Error('client timed out'));
      const error = await writing.catch((e: unknown) => e);
      assert.ok(error instanceof UploadAbortedError, String(error));
      assert.match(String((error.cause as Error | undefined)?.message), /client timed out/);
      await upload.cancel();
      source.stream.destroy();

      const late = await store.createUpload();
      await assert.rejects(late.write(sourceOf('x'), { signal: AbortSignal.abort() }), UploadAbortedError);
      await late.cancel();
    });

    test('cancel during a write interrupts it and removes the temp', async ({ store, harness }) => {
      const source = generatedSource(Number.POSITIVE_INFINITY, { stallAfterBytes: 2 * MiB });
      const upload = await store.createUpload();
      const outcome = upload.write(source.stream).catch((e: unknown) => e);
      while (source.producedBytes() < 2 * MiB) await sleep(5);
      await upload.cancel();
      assert.ok((await outcome) instanceof UploadAbortedError);
      assert.deepEqual(await harness.listAllArtifacts(), []);
      source.stream.destroy();
    });

    test('a missing key: stat is null, read is BlobNotFoundError, delete is silent', async ({ store, put }) => {
      const { key } = await put('soon gone');
      await store.delete(key);
      assert.equal(await store.stat(key), null);
      await assert.rejects(store.read(key), BlobNotFoundError);
      await store.delete(key);
      for (const foreign of ['', 'nonsense', '../../etc/passwd', 'blobs/sha256/00/' + 'f'.repeat(64)]) {
        assert.equal(await store.stat(foreign), null);
        await assert.rejects(store.read(foreign), BlobNotFoundError);
        await store.delete(foreign);
      }
    });

    test('a reader opened before a delete and a re-commit finishes with the bytes it started with', async ({ store, put }) => {
      const content = generatedBytes(4 * MiB);
      const { key } = await put(content);
      const reader = await store.read(key);
      await store.delete(key);
      assert.equal(await store.stat(key), null);
      await put(content);
      await store.delete(key);
      assert.deepEqual(await digestOf(reader), { size: content.length, sha256: sha256Of(content) });
    });

    test('concurrent uploads land intact: different content under different keys, the same under one', async ({ store, track }) => {
      const sources = [generatedSource(16 * MiB), generatedSource(16 * MiB + 1)];
      const refs = await Promise.all(
        sources.map(async (source) => track(await settle(await store.createUpload(), (upload) => upload.write(source.stream)))),
      );
      assert.notEqual(refs[0]!.key, refs[1]!.key);
      for (const [i, source] of sources.entries()) {
        assert.deepEqual(await digestOf(await store.read(refs[i]!.key)), { size: 16 * MiB + i, sha256: source.sha256() });
      }
      const content = generatedBytes(2 * MiB);
      const twins = await Promise.all(
        [0, 1].map(async () => track(await settle(await store.createUpload(), (upload) => upload.write(sourceOf(content))))),
      );
      assert.equal(twins[0]!.key, twins[1]!.key);
      assert.deepEqual(await bytesOf(await store.read(twins[0]!.key)), content);
    });

    test('list returns exactly the committed keys', async ({ store, put }) => {
      assert.deepEqual(await collect(store.list()), []);
      const refs = [await put('a'), await put('b'), await put('c')];
      const pending = await store.createUpload();
      await pending.write(sourceOf('not committed'));
      assert.deepEqual((await collect(store.list())).sort(), refs.map((ref) => ref.key).sort());
      await store.delete(refs[1]!.key);
      assert.deepEqual((await collect(store.list())).sort(), [refs[0]!.key, refs[2]!.key].sort());
      await pending.cancel();
    });

    test('sweepUploads removes abandoned uploads of the given age and keeps fresh and running ones', async ({ store, harness, track }) => {
      const abandoned = await store.createUpload();
      await abandoned.write(sourceOf('abandoned by a killed server'));
      await sleep(1000);
      const fresh = await store.createUpload();
      await fresh.write(sourceOf('still being uploaded'));
      assert.equal(await store.sweepUploads(0), 0, 'a store never sweeps its own running uploads');

      // The fresh upload must stay younger than the threshold across three sweeps and a
      // reopen, which take a few requests each on a network store on a busy machine.
      const restarted = await harness.reopen();
      assert.equal(await restarted.sweepUploads(500), 1, 'the abandoned upload is swept');
      assert.equal(await restarted.sweepUploads(500), 0, 'the fresh upload is kept, the abandoned one is gone');
      const ref = track(await fresh.commit());
      assert.equal((await bytesOf(await store.read(ref.key))).toString(), 'still being uploaded');
      await assert.rejects(abandoned.commit(), /swept|gone|NoSuchUpload|NoSuchKey|ENOENT/i);
      await abandoned.cancel();
    });

    runResumableConformance(test);
    if (options.basedOn === true) runBasedOnConformance(test);
  });
}

/** write() then commit(), cancelling on any failure, as an upload handler does. */
async function settle(upload: BlobUpload, write: (upload: BlobUpload) => Promise<unknown>): Promise<BlobRef> {
  try {
    await write(upload);
    return await upload.commit();
  } finally {
    await upload.cancel();
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function generatedBytes(length: number): Buffer {
  return randomBytes(length);
}
