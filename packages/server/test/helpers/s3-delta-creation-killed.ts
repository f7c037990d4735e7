// A server killed while it creates a delta upload on S3, as a child process of
// test/storage/s3/s3-blob-store.test.ts: it opens the S3 store of the bucket named in its
// argument (JSON: connection, bucket, base key, length) and starts createResumableFrom(),
// whose UploadPartCopy requests run one at a time; the third one never returns, so the parent
// finds two parts copied and kills this process with SIGKILL, as an operator or the OOM
// killer would. Nothing here cleans up: that is the point.
import { S3BlobStore } from '../../src/storage/s3/s3-blob-store.js';
import { createS3Client } from '../../src/storage/s3/s3-client.js';

const { endpoint, region, accessKeyId, secretAccessKey, bucket, baseKey, length } = JSON.parse(process.argv[2] ?? '{}') as {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  baseKey: string;
  length: number;
};
const client = createS3Client({ endpoint, region, accessKeyId, secretAccessKey, forcePathStyle: true });
let copies = 0;
client.middlewareStack.add(
  (next, context) => (args) => {
    if (context.commandName === 'UploadPartCopyCommand' && ++copies > 2) return new Promise(() => {}); // stuck until killed
    return next(args);
  },
  { step: 'initialize', name: 'stallThirdCopy' },
);
setInterval(() => {}, 1000); // a stuck request holds no handle: without this, Node would exit (13) instead of waiting to be killed
const store = await S3BlobStore.open({ client, bucket, partBytes: 8 * 1024 * 1024, copyConcurrency: 1 });
await store.createResumableFrom(baseKey, length);
process.stdout.write('created, which the parent should never see\n');
