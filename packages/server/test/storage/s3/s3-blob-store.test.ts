// The S3 blob store against a real S3 server: a throwaway single-node Ceph RADOS Gateway,
// started once for this file. First the shared conformance suite, each test in a fresh
// bucket whose every object and unfinished multipart upload counts as an artifact; then what
// only S3 can show: a 128 MiB upload goes out as several parts with flat memory, the bucket is
// created when missing, a multipart upload abandoned by a killed server is swept (and a delta
// upload whose server was killed mid-creation, by the sweeper of uploads no row names), a tus
// commit that failed after completing its multipart upload succeeds when tried again, blobs over
// the single-copy limit are committed with a multipart server-side copy, and the factory
// opens the driver from `[storage]` keys. Skipped only when Ceph is not installed.
import type { S3Client } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBlobSweeper } from '../../../src/services/blob-sweeper.js';
import { BlobNotFoundError, BlobTooLargeError, BlockBoundaryError, createBlobStore } from '../../../src/storage/index.js';
import { S3BlobStore } from '../../../src/storage/s3/s3-blob-store.js';
import type { S3BlobStoreOptions } from '../../../src/storage/s3/s3-blob-store.js';
import { createS3Client } from '../../../src/storage/s3/s3-client.js';
import { CEPH_PACKAGES, startCephRgw } from '../../helpers/test-services.js';
import { runBlobStoreConformance } from '../blob-store-conformance.js';
import { bytesOf, digestOf, generatedSource, sha256Of, sourceOf } from '../test-sources.js';

const MiB = 1024 * 1024;
const rgw = await startCephRgw();

if (rgw === null) {
  it('S3 blob store against Ceph RGW', (t) => t.skip(`Ceph is not installed (apt-get install ${CEPH_PACKAGES})`));
} else {
  const client = createS3Client({ ...rgw, forcePathStyle: true });
  /** Names of the S3 commands sent through `client`, in order, for the tests that count them. */
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandNames' },
  );
  /** Commands to fail once each, by name (a storage fault injected between two S3 requests). */
  const failOnce = new Set<string>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? '?';
      if (!failOnce.delete(name)) return next(args);
      return Promise.reject(Object.assign(new Error(`connection reset by S3 during ${name}`), { code: 'ECONNRESET' }));
    },
    { step: 'initialize', name: 'injectFaults' },
  );
  after(async () => {
    client.destroy();
    await rgw.stop();
  });

  let buckets = 0;
  const freshBucket = (): string => `repoman-test-${process.pid}-${++buckets}`;
  const open = (bucket: string, options: Partial<S3BlobStoreOptions> = {}): Promise<S3BlobStore> =>
    S3BlobStore.open({ client, bucket, partBytes: 8 * MiB, ...options });

  runBlobStoreConformance('s3', async () => {
    const bucket = freshBucket();
    return {
      store: await open(bucket),
      reopen: () => open(bucket),
      listAllArtifacts: () => artifactsIn(client, bucket),
      cleanup: () => removeBucket(client, bucket),
    };
  }, { basedOn: true });

  describe('s3 blob store on Ceph RGW', () => {
    it('a delta upload copies the base inside S3 (one UploadPartCopy per block, no byte read) and takes only whole blocks', async () => {
      const bucket = freshBucket();
      const store = await open(bucket);
      try {
        const base = randomBytes(20 * MiB);
        const upload = await store.createUpload();
        await upload.write(sourceOf(base));
        const baseRef = await upload.commit();
        sent.length = 0;
        const based = await store.createResumableFrom(baseRef.key, 30 * MiB);
        // Blocks 0 and 1 copied; block 2 straddles the base's end (4 MiB read, padded); block 3 copies zeros.
        assert.deepEqual(sent.filter((name) => name.startsWith('UploadPart')).sort(), ['UploadPartCommand', 'UploadPartCopyCommand', 'UploadPartCopyCommand', 'UploadPartCopyCommand']);
        await assert.rejects(based.writeAt!(8 * MiB, sourceOf(randomBytes(MiB))), BlockBoundaryError, 'a short block that is not the last');
        await assert.rejects(based.writeAt!(MiB, sourceOf(randomBytes(8 * MiB))), BlockBoundaryError, 'not on a block boundary');
        const ref = await store.openResumable(based.handle).commit();
        assert.equal(ref.sha256, sha256Of(Buffer.concat([base, Buffer.alloc(10 * MiB)])), 'the refused writes changed nothing');
        await store.delete(ref.key);
        await store.delete(baseRef.key);
        assert.deepEqual(await artifactsIn(client, bucket), []);
      } finally {
        await removeBucket(client, bucket);
        await store.close();
      }
    });

    it('a delta commit that failed after completing the multipart upload (a storage fault) succeeds when tried again', async () => {
      const bucket = freshBucket();
      const store = await open(bucket);
      try {
        const base = randomBytes(9 * MiB);
        const upload = await store.createUpload();
        await upload.write(sourceOf(base));
        const baseRef = await upload.commit();
        const based = await store.createResumableFrom(baseRef.key, base.length);
        const block = randomBytes(8 * MiB);
        await based.writeAt!(0, sourceOf(block));
        const fault = Object.assign(new Error('connection reset by S3'), { code: 'ECONNRESET' });
        await assert.rejects(based.commit(() => Promise.reject(fault)), /connection reset/);
        const again = store.openResumable(based.handle);
        assert.equal(await again.offset(), base.length);
        const ref = await again.commit();
        assert.equal(ref.sha256, sha256Of(Buffer.concat([block, base.subarray(8 * MiB)])));
        await store.delete(ref.key);
        await store.delete(baseRef.key);
        assert.deepEqual(await artifactsIn(client, bucket), []);
      } finally {
        await removeBucket(client, bucket);
        await store.close();
      }
    });

    for (const [title, size] of [['with parts and a tail', 9 * MiB + 5], ['with a tail only', 3 * MiB]] as const) {
      it(`a tus commit that failed after completing its upload succeeds when tried again (${title})`, async () => {
        const bucket = freshBucket();
        const store = await open(bucket);
        try {
          const content = randomBytes(size);
          const upload = await store.createResumable();
          await upload.append(0, sourceOf(content.subarray(0, MiB)));
          await upload.append(MiB, sourceOf(content.subarray(MiB)));
          failOnce.add('CopyObjectCommand'); // the copy to the content address, after the completion
          await assert.rejects(upload.commit(), /connection reset by S3 during CopyObjectCommand/);
          assert.equal(failOnce.size, 0, 'the fault was met');
          // What the empty PATCH that retries does: offset, an empty append at the end, commit.
          const again = store.openResumable(upload.handle);
          assert.equal(await again.offset(), content.length);
          assert.deepEqual(await again.append(content.length, sourceOf('')), { offset: content.length, sha256: sha256Of('') });
          await assert.rejects(again.append(content.length, sourceOf('x')), BlobTooLargeError, 'no byte goes past a completed upload');
          // A check that refuses once, then accepts.
          await assert.rejects(again.commit(() => Promise.reject(new Error('quota store unreachable'))), /quota store unreachable/);
          const ref = await store.openResumable(upload.handle).commit();
          assert.deepEqual({ size: ref.size, sha256: ref.sha256 }, { size: content.length, sha256: sha256Of(content) });
          assert.deepEqual(await bytesOf(await store.read(ref.key)), content);
          await assert.rejects(again.offset(), BlobNotFoundError, 'the upload is gone once committed');
          await store.delete(ref.key);
          assert.deepEqual(await artifactsIn(client, bucket), []);
        } finally {
          failOnce.clear();
          await removeBucket(client, bucket);
          await store.close();
        }
      });
    }

    it('streams 128 MiB as 16 MiB parts with explicit lengths, resident memory growing by less than 64 MiB', async () => {
      const bucket = freshBucket();
      const store = await open(bucket, { partBytes: 16 * MiB });
      try {
        const warmUp = await store.createUpload();
        await warmUp.write(generatedSource(32 * MiB).stream);
        await warmUp.cancel();

        const baseline = process.memoryUsage.rss();
        let peak = baseline;
        const source = generatedSource(128 * MiB, {
          onChunk: (produced) => {
            if (produced % MiB === 0) peak = Math.max(peak, process.memoryUsage.rss());
          },
        });
        const upload = await store.createUpload();
        sent.length = 0;
        const written = await upload.write(source.stream);
        assert.deepEqual(written, { size: 128 * MiB, sha256: source.sha256() });
        assert.deepEqual(sent, ['CreateMultipartUploadCommand', ...Array<string>(8).fill('UploadPartCommand'), 'CompleteMultipartUploadCommand']);
        assert.deepEqual(await artifactsIn(client, bucket), [`object uploads/${upload.id}`], 'only the temporary object exists before commit');
        const ref = await upload.commit();
        assert.equal(ref.key, `blobs/sha256/${ref.sha256.slice(0, 2)}/${ref.sha256}`);
        assert.deepEqual(await artifactsIn(client, bucket), [`object ${ref.key}`]);
        assert.deepEqual(await digestOf(await store.read(ref.key)), written);
        const growth = (peak - baseline) / MiB;
        assert.ok(growth < 64, `resident memory grew by ${growth.toFixed(1)} MiB`);
        await store.delete(ref.key);
      } finally {
        await removeBucket(client, bucket);
      }
    });

    it('creates its bucket when missing and opens an existing one as is', async () => {
      const bucket = freshBucket();
      await assert.rejects(client.send(new HeadBucketCommand({ Bucket: bucket })));
      try {
        const store = await open(bucket);
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        const ref = await settle(store, 'kept across a reopen');
        const reopened = await open(bucket);
        assert.equal((await bytesOf(await reopened.read(ref.key))).toString(), 'kept across a reopen');
        await reopened.delete(ref.key);
      } finally {
        await removeBucket(client, bucket);
      }
    });

    it('sweeps a multipart upload abandoned mid-write by a killed server, and only once it is old enough', async () => {
      const bucket = freshBucket();
      const killed = await open(bucket, { partBytes: 5 * MiB });
      try {
        const source = generatedSource(Number.POSITIVE_INFINITY, { stallAfterBytes: 12 * MiB });
        const upload = await killed.createUpload();
        const writing = upload.write(source.stream).catch((e: unknown) => e);
        while ((await multipartUploadsIn(client, bucket)).length === 0 || source.producedBytes() < 12 * MiB) await sleep(20);
        await sleep(200); // let the second part land

        const restarted = await open(bucket);
        assert.equal(await restarted.sweepUploads(3600 * 1000), 0, 'an hour-old threshold keeps it');
        assert.equal(await restarted.sweepUploads(100), 1);
        assert.deepEqual(await artifactsIn(client, bucket), [], 'the upload and its parts are gone');

        // What is left of the killed server's upload fails cleanly and leaves nothing.
        await upload.cancel();
        assert.ok((await writing) instanceof Error);
        source.stream.destroy();
        assert.deepEqual(await artifactsIn(client, bucket), []);
      } finally {
        await removeBucket(client, bucket);
      }
    });

    it('the sweeper cancels a delta upload whose server was killed mid-creation and a tus upload with no row, once old enough; live uploads keep every part', async () => {
      const bucket = freshBucket();
      const store = await open(bucket);
      try {
        const base = randomBytes(24 * MiB);
        const upload = await store.createUpload();
        await upload.write(sourceOf(base));
        const baseRef = await upload.commit();
        // Live uploads, each named by a row: a tus upload with a part and a tail, a delta upload with a block written.
        const liveTus = await store.createResumable();
        const tusBytes = randomBytes(9 * MiB + 1);
        await liveTus.append(0, sourceOf(tusBytes));
        const liveDelta = await store.createResumableFrom(baseRef.key, 30 * MiB);
        const block = randomBytes(8 * MiB);
        await liveDelta.writeAt!(8 * MiB, sourceOf(block));
        const rows = new Set([liveTus.handle, liveDelta.handle]);
        // A tus upload whose server died before writing its row.
        const noRow = await store.createResumable();
        // A server killed while it copied the blocks of a delta upload (4 blocks, the last of zeros).
        const killed = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../helpers/s3-delta-creation-killed.ts', import.meta.url)), JSON.stringify({ ...rgw, bucket, baseKey: baseRef.key, length: 30 * MiB })], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const exited = new Promise((resolve) => killed.once('exit', resolve));
        let output = '';
        killed.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const isLive = (key: string): boolean => [...rows].some((handle) => handle.includes(key.slice('resumable/'.length)));
        const killedUpload = async (): Promise<{ Key: string; UploadId: string } | undefined> =>
          (await multipartUploadsIn(client, bucket)).find(({ Key }) => !isLive(Key) && !noRow.handle.includes(Key.slice('resumable/'.length)));
        const partsOf = async ({ Key, UploadId }: { Key: string; UploadId: string }): Promise<string[]> =>
          ((await client.send(new ListPartsCommand({ Bucket: bucket, Key, UploadId }))).Parts ?? []).map((part) => `${part.PartNumber} ${part.ETag} ${part.Size}`);
        for (const deadline = Date.now() + 120_000; ; ) {
          const found = await killedUpload();
          if (found !== undefined && (await partsOf(found)).length === 2) break;
          assert.ok(killed.exitCode === null && killed.signalCode === null, 'the child died on its own');
          assert.ok(Date.now() < deadline, 'the child copied no two parts in 2 minutes');
          await sleep(100);
        }
        killed.kill('SIGKILL');
        await exited;
        assert.equal(output, '', 'killed mid-creation');
        const liveParts = async (): Promise<string[][]> =>
          Promise.all((await multipartUploadsIn(client, bucket)).filter(({ Key }) => isLive(Key)).map(partsOf));
        const partsBefore = await liveParts();
        assert.equal(partsBefore.length, 2);
        assert.equal((await multipartUploadsIn(client, bucket)).length, 4);
        assert.ok((await artifactsIn(client, bucket)).some((artifact) => artifact.endsWith('.zeros')), 'the killed creation left its zeros');

        const sweeper = (orphanAgeMs: number) =>
          createBlobSweeper({ referencedBlobKeys: async () => new Set([baseRef.key]), isBlobReferenced: async () => true }, store, {
            orphanAgeMs,
            resumable: { takeExpired: async () => [], namesStorage: async (handle) => rows.has(handle) },
          });
        assert.equal((await sweeper(3600_000).sweep()).orphans, 0, 'younger than upload_expiry + margin: kept');
        assert.equal((await multipartUploadsIn(client, bucket)).length, 4);
        await sleep(2100); // S3 times count whole seconds (rounded either way)
        assert.equal((await sweeper(1000).sweep()).orphans, 2);
        const left = await multipartUploadsIn(client, bucket);
        assert.deepEqual(left.map(({ Key }) => Key).filter((key) => !isLive(key)), [], 'no multipart upload that no row names');
        assert.equal(left.length, 2);
        assert.deepEqual(await liveParts(), partsBefore, 'the live uploads keep every part');
        assert.ok(!(await artifactsIn(client, bucket)).some((artifact) => artifact.endsWith('.zeros')), 'the zeros went with it');

        const tusRef = await store.openResumable(liveTus.handle).commit();
        assert.deepEqual(await bytesOf(await store.read(tusRef.key)), tusBytes);
        const deltaRef = await store.openResumable(liveDelta.handle).commit();
        assert.equal(deltaRef.sha256, sha256Of(Buffer.concat([base.subarray(0, 8 * MiB), block, base.subarray(16 * MiB), Buffer.alloc(6 * MiB)])));
        for (const ref of [tusRef, deltaRef, baseRef]) await store.delete(ref.key);
        assert.deepEqual(await artifactsIn(client, bucket), []);
      } finally {
        await removeBucket(client, bucket);
        await store.close();
      }
    });

    it('what a commit cut short after completing leaves (no multipart upload, objects only) is listed, and cancelled by the sweeper when no row names it', async () => {
      const bucket = freshBucket();
      const store = await open(bucket);
      try {
        const base = await settle(store, 'the base of a delta upload');
        const tus = await store.createResumable();
        await tus.append(0, sourceOf(randomBytes(9 * MiB + 1)));
        const delta = await store.createResumableFrom(base.key, 9 * MiB);
        for (const upload of [tus, delta]) {
          failOnce.add('CopyObjectCommand');
          await assert.rejects(upload.commit(), /connection reset/);
        }
        assert.deepEqual((await multipartUploadsIn(client, bucket)).length, 0, 'both multipart uploads were completed');
        await sleep(2100); // S3 times count whole seconds (rounded either way)
        const listed = [];
        for await (const { handle } of store.listResumable(1000)) listed.push(handle);
        const idOf = (handle: string): string => /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(handle)![0];
        assert.deepEqual(listed.map(idOf).sort(), [tus.handle, delta.handle].map(idOf).sort());
        const sweeper = createBlobSweeper({ referencedBlobKeys: async () => new Set([base.key]), isBlobReferenced: async () => true }, store, {
          orphanAgeMs: 1000,
          resumable: { takeExpired: async () => [], namesStorage: async () => false },
        });
        assert.equal((await sweeper.sweep()).orphans, 2);
        assert.deepEqual(await artifactsIn(client, bucket), [`object ${base.key}`]);
      } finally {
        failOnce.clear();
        await removeBucket(client, bucket);
        await store.close();
      }
    });

    it('commits a blob over the single-copy limit with a multipart server-side copy', async () => {
      const bucket = freshBucket();
      const store = await open(bucket, { partBytes: 5 * MiB, maxCopyObjectBytes: 8 * MiB, copyPartBytes: 5 * MiB, copyConcurrency: 2 });
      try {
        const content = randomBytes(23 * MiB + 17);
        const upload = await store.createUpload();
        await upload.write(sourceOf(content));
        sent.length = 0;
        const ref = await upload.commit();
        assert.deepEqual(sent, [
          'CreateMultipartUploadCommand',
          ...Array<string>(5).fill('UploadPartCopyCommand'),
          'CompleteMultipartUploadCommand',
          'DeleteObjectCommand',
        ]);
        assert.deepEqual(await bytesOf(await store.read(ref.key)), content);
        assert.deepEqual(await bytesOf(await store.read(ref.key, { start: 5 * MiB - 1, end: 10 * MiB })), content.subarray(5 * MiB - 1, 10 * MiB + 1));
        await store.delete(ref.key);
        assert.deepEqual(await artifactsIn(client, bucket), []);
      } finally {
        await removeBucket(client, bucket);
      }
    });

    it('createBlobStore opens the s3 driver from [storage] keys', async () => {
      const bucket = freshBucket();
      try {
        const store = await createBlobStore({
          driver: 's3',
          path: '/unused',
          endpoint: rgw.endpoint,
          region: rgw.region,
          bucket,
          access_key_id: rgw.accessKeyId,
          secret_access_key: rgw.secretAccessKey,
          force_path_style: true,
        });
        assert.ok(store instanceof S3BlobStore);
        const ref = await settle(store, 'through the factory');
        assert.equal(ref.sha256, sha256Of('through the factory'));
        await store.delete(ref.key);
        await store.close();
      } finally {
        await removeBucket(client, bucket);
      }
    });
  });
}

async function settle(store: { createUpload: S3BlobStore['createUpload'] }, content: string): Promise<{ key: string; sha256: string }> {
  const upload = await store.createUpload();
  try {
    await upload.write(sourceOf(content));
    return await upload.commit();
  } finally {
    await upload.cancel();
  }
}

/** Every object and every unfinished multipart upload in the bucket, as `object <key>` / `multipart <key>`. */
async function artifactsIn(client: S3Client, bucket: string): Promise<string[]> {
  const objects: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
    for (const { Key } of page.Contents ?? []) objects.push(`object ${Key}`);
    ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (ContinuationToken !== undefined);
  const uploads = (await multipartUploadsIn(client, bucket)).map(({ Key }) => `multipart ${Key}`);
  return [...objects, ...uploads].sort();
}

async function multipartUploadsIn(client: S3Client, bucket: string): Promise<{ Key: string; UploadId: string }[]> {
  const uploads: { Key: string; UploadId: string }[] = [];
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker, UploadIdMarker }));
    for (const { Key, UploadId } of page.Uploads ?? []) uploads.push({ Key: Key!, UploadId: UploadId! });
    if (page.IsTruncated !== true) return uploads;
    KeyMarker = page.NextKeyMarker;
    UploadIdMarker = page.NextUploadIdMarker;
  }
}

/** Aborts every multipart upload, deletes every object, then the bucket. */
async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    return;
  }
  for (const { Key, UploadId } of await multipartUploadsIn(client, bucket)) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }));
  }
  for (const artifact of await artifactsIn(client, bucket)) {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: artifact.slice('object '.length) }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
