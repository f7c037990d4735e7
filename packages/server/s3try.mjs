import { S3Client, CreateBucketCommand, PutObjectCommand, ListObjectsV2Command, CreateMultipartUploadCommand, ListMultipartUploadsCommand, GetObjectCommand, HeadObjectCommand, CopyObjectCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ endpoint: 'http://127.0.0.1:17480', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'repoman-test-access-key', secretAccessKey: 'repoman-test-secret-key-0123456789abcdef' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
let t = Date.now();
try { await s3.send(new CreateBucketCommand({ Bucket: 'bucket1' })); } catch (e) { console.log('create1', e.name); }
console.log('create', Date.now() - t);
try { await s3.send(new CreateBucketCommand({ Bucket: 'bucket1' })); } catch (e) { console.log('create again', e.name, e.$metadata?.httpStatusCode); }
await s3.send(new PutObjectCommand({ Bucket: 'bucket1', Key: 'uploads/x', Body: Buffer.from('hello'), ContentLength: 5 }));
await s3.send(new PutObjectCommand({ Bucket: 'bucket1', Key: 'empty', Body: Buffer.alloc(0), ContentLength: 0 }));
await s3.send(new CreateMultipartUploadCommand({ Bucket: 'bucket1', Key: 'uploads/y' }));
console.log(JSON.stringify((await s3.send(new ListObjectsV2Command({ Bucket: 'bucket1' }))).Contents));
console.log(JSON.stringify((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'bucket1' }))).Uploads));
for (const r of ['bytes=0-0', 'bytes=5-', 'bytes=2-100']) {
  try { const g = await s3.send(new GetObjectCommand({ Bucket: 'bucket1', Key: r === 'bytes=0-0' ? 'empty' : 'uploads/x', Range: r })); console.log(r, g.ContentLength, await g.Body.transformToString()); } catch (e) { console.log(r, e.name, e.$metadata?.httpStatusCode, e.message); }
}
try { await s3.send(new HeadObjectCommand({ Bucket: 'bucket1', Key: 'nope' })); } catch (e) { console.log('head', e.name); }
try { await s3.send(new GetObjectCommand({ Bucket: 'bucket1', Key: 'nope' })); } catch (e) { console.log('get', e.name, String(e)); }
try { await s3.send(new CopyObjectCommand({ Bucket: 'bucket1', Key: 'c', CopySource: 'bucket1/nope' })); } catch (e) { console.log('copy', e.name, String(e)); }
const h1 = await s3.send(new HeadObjectCommand({ Bucket: 'bucket1', Key: 'uploads/x' }));
await new Promise(r => setTimeout(r, 1100));
await s3.send(new CopyObjectCommand({ Bucket: 'bucket1', Key: 'uploads/x', CopySource: 'bucket1/uploads/x', MetadataDirective: 'REPLACE' }));
const h2 = await s3.send(new HeadObjectCommand({ Bucket: 'bucket1', Key: 'uploads/x' }));
console.log(h1.LastModified, h2.LastModified);
