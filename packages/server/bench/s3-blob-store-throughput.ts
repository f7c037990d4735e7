// Benchmark (a program, not a test): MB/s of writing and reading 1 GiB through the S3 blob
// store, next to the raw SDK calls it is made of (UploadPart of ready buffers, one GetObject),
// to show what the driver costs on top of the S3 server: elapsed time, and this process's CPU
// time, which the load of a shared machine does not distort. Writes are timed without and
// with the commit (a server-side copy). Against $S3_ENDPOINT (with $S3_ACCESS_KEY_ID,
// $S3_SECRET_ACCESS_KEY, path-style) when set, else a throwaway Ceph RGW on loopback started
// with test-services/ceph-rgw.sh. Run from the repository root:
//   node --import tsx packages/server/bench/s3-blob-store-throughput.ts [GiB] [rounds] [part MiB]
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart } from '@aws-sdk/client-s3';
import { randomFillSync } from 'node:crypto';
import type { Readable } from 'node:stream';
import { drain, timed, tlsLikeSource } from './throughput-kit.js';
import { S3BlobStore } from '../src/storage/s3/s3-blob-store.js';
import { createS3Client } from '../src/storage/s3/s3-client.js';
import { startCephRgw } from '../test/helpers/test-services.js';

const MiB = 1024 * 1024;
const totalBytes = Number(process.argv[2] ?? 1) * 1024 * MiB;
const rounds = Number(process.argv[3] ?? 3);
const partBytes = Number(process.argv[4] ?? 16) * MiB;
const block = randomFillSync(Buffer.allocUnsafe(MiB));

const rgw = process.env.S3_ENDPOINT === undefined ? await startCephRgw() : null;
const endpoint = rgw?.endpoint ?? process.env.S3_ENDPOINT;
if (endpoint === undefined) throw new Error('no S3_ENDPOINT and Ceph is not installed (apt-get install ceph-mon ceph-osd radosgw ceph-common)');
const client = createS3Client({
  endpoint,
  accessKeyId: rgw?.accessKeyId ?? process.env.S3_ACCESS_KEY_ID,
  secretAccessKey: rgw?.secretAccessKey ?? process.env.S3_SECRET_ACCESS_KEY,
  forcePathStyle: true,
});
const bucket = `repoman-bench-${process.pid}`;

/** The SDK alone: a multipart upload of ready-made part buffers, one at a time. */
async function rawMultipartUpload(key: string): Promise<void> {
  const part = Buffer.allocUnsafe(partBytes);
  for (let offset = 0; offset < partBytes; offset += MiB) block.copy(part, offset);
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const Parts: CompletedPart[] = [];
  for (let sent = 0, PartNumber = 1; sent < totalBytes; sent += partBytes, PartNumber++) {
    const body = part.subarray(0, Math.min(partBytes, totalBytes - sent));
    const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber, Body: body, ContentLength: body.length }));
    Parts.push({ PartNumber, ETag });
  }
  await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts } }));
}

try {
  const store = await S3BlobStore.open({ client, bucket, partBytes });
  console.log(`${totalBytes / MiB} MiB through ${endpoint}, parts of ${partBytes / MiB} MiB`);
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round}`);
    let key = '';
    await timed('SDK alone: multipart upload of ready buffers', totalBytes, () => rawMultipartUpload('raw'));
    await timed('SDK alone: one GetObject, drained', totalBytes, async () => {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'raw' }));
      await drain(Body as Readable);
    });
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'raw' }));

    const upload = await store.createUpload();
    await timed('store write, 16 KiB chunks from memory (sha256, parts)', totalBytes, () => upload.write(tlsLikeSource(totalBytes, block)));
    const started = process.hrtime.bigint();
    key = (await upload.commit()).key;
    console.log(`${'  commit (server-side copy + delete)'.padEnd(56)} ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0).padStart(6)} ms`);
    await store.delete(key);
    await timed('store write + commit', totalBytes, async () => {
      const again = await store.createUpload();
      await again.write(tlsLikeSource(totalBytes, block));
      key = (await again.commit()).key;
    });
    await timed('store read, whole blob', totalBytes, async () => drain(await store.read(key)));
    await store.delete(key);
  }
} finally {
  await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
  client.destroy();
  await rgw?.stop();
}
