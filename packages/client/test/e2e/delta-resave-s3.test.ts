// Delta re-saves on S3 end to end (issue [5/9] item 4): two repoman-server instances on one
// PostgreSQL database and one Ceph RGW bucket, the built `repoman` with a grid proxy. A 40 MiB
// image goes up through instance A; once its block list is there, the image with 2 of its
// 8 MiB blocks changed goes up with `upload-image --delta` through A: A's log shows the 2
// blocks and nothing more, and through B the download is the new file (sha256), both versions
// are listed and a rollback brings the first bytes back. Then, with curl, one delta upload is
// created on one instance, takes its block through the other and commits on the first (the
// upload's state lives in S3 and the database only), a block shorter than 8 MiB that is not
// the last is a 400, and a delta whose announced sha256 is wrong is 422 with the image unchanged
// and nothing of the upload left in the bucket.
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createS3Client } from '../../../server/src/storage/s3/s3-client.js';
import { curl, type CurlResult } from '../../../server/test/helpers/curl.js';
import { startRepository, type Repository } from '../../../server/test/helpers/repository-process.js';
import { CEPH_PACKAGES, POSTGRES_PACKAGES, startCephRgw, startPostgres, type CephRgw, type Postgres } from '../../../server/test/helpers/test-services.js';
import { waitFor } from '../../../server/test/helpers/test-files.js';
import { makeClientSite, type ClientSite } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';

const MIB = 1024 * 1024;
const BLOCK = 8 * MIB;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('repoman delta re-saves on Ceph RGW and PostgreSQL, two server instances', () => {
  let postgres: Postgres | null = null;
  let ceph: CephRgw | null = null;
  let s: ClientSite | undefined;
  let b: Repository | undefined;

  before(async () => {
    postgres = await startPostgres();
    ceph = await startCephRgw();
    if (!postgres || !ceph) return;
    const shared = [
      '[database]', `url = ${JSON.stringify(postgres.url)}`,
      '[storage]', 'driver = "s3"', `endpoint = ${JSON.stringify(ceph.endpoint)}`, `region = ${JSON.stringify(ceph.region)}`,
      'bucket = "repoman-delta"', `access_key_id = ${JSON.stringify(ceph.accessKeyId)}`,
      `secret_access_key = ${JSON.stringify(ceph.secretAccessKey)}`, 'force_path_style = true',
    ].join('\n');
    s = await makeClientSite({ extraToml: shared });
    b = await startRepository({ site: s.site, adminDns: [s.admin.dn], extraToml: shared });
  });
  after(async () => {
    await b?.cleanup();
    await s?.cleanup();
    await ceph?.stop();
    await postgres?.stop();
  });

  const needServices = (t: { skip: (message: string) => void }): boolean => {
    if (postgres && ceph) return true;
    t.skip(`needs ${POSTGRES_PACKAGES} and ${CEPH_PACKAGES} (run .ci/run)`);
    return false;
  };
  const ok = (result: RunResult): RunResult => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  /** `repoman` as bob against instance `repo`. */
  const bobVia = (repo: Repository, args: string[]): Promise<RunResult> => s!.as(s!.bob)(args, { env: { REPOMAN_SERVER: repo.url } });
  const on = (repo: Repository, path: string, args: string[] = []): CurlResult => curl(`${repo.url}${path}`, { caDir: s!.site.caDir, credential: s!.bob.proxyPath, args });
  /** Bytes of delta blocks an instance wrote, from its log (one line per block). */
  const blockBytesWritten = (repo: Repository): number =>
    repo.log().split('\n').filter((line) => line.includes('"msg":"delta block written"')).reduce((sum, line) => sum + (JSON.parse(line) as { bytes: number }).bytes, 0);
  let downloads = 0;
  const downloadVia = async (repo: Repository, name: string): Promise<Buffer> => {
    const out = join(s!.site.dir, `${name}.${++downloads}.via-${repo === b ? 'b' : 'a'}`);
    ok(await bobVia(repo, ['download-image', name, out]));
    return readFile(out);
  };

  it('sends only the 2 changed blocks of a 40 MiB image through A; B serves the new bytes, both versions and a rollback', async (t) => {
    if (!needServices(t)) return;
    const a = s!.repo;
    const first = randomBytes(40 * MIB);
    const firstFile = join(s!.site.dir, 'first.img');
    await writeFile(firstFile, first);
    ok(await bobVia(a, ['create-image', 'disk.img', '--file', firstFile]));
    await waitFor('the block list of version 1', async () => on(b!, '/api/images/disk.img/versions/1/blocks').status === 200, 60_000);

    const second = Buffer.from(first);
    randomBytes(BLOCK).copy(second, 1 * BLOCK);
    randomBytes(100).copy(second, 4 * BLOCK + 12345);
    const secondFile = join(s!.site.dir, 'second.img');
    await writeFile(secondFile, second);
    const [onA, onB] = [blockBytesWritten(a), blockBytesWritten(b!)];
    const saved = ok(await bobVia(a, ['upload-image', '--delta', 'disk.img', secondFile]));
    assert.match(saved.stderr, /sent 16(\.0+)? MiB of 40(\.0+)? MiB: 2 of 5 blocks changed since version 1/);
    assert.equal(blockBytesWritten(a) - onA, 2 * BLOCK, 'instance A received the 2 blocks and no more');
    assert.equal(blockBytesWritten(b!) - onB, 0);

    assert.equal(sha256(await downloadVia(b!, 'disk.img')), sha256(second), 'B serves the new file byte for byte');
    const versions = JSON.parse(ok(await bobVia(b!, ['list-versions', 'disk.img', '--json'])).stdout) as { version: number; size: number }[];
    assert.deepEqual(versions.map((v) => [v.version, v.size]), [[2, 40 * MIB], [1, 40 * MIB]]);
    ok(await bobVia(b!, ['rollback-image', 'disk.img', '1']));
    assert.equal(sha256(await downloadVia(a, 'disk.img')), sha256(first), 'the rollback brought the first bytes back');
  });

  it('one delta upload is created on A, takes a block through B, commits on A; a short block is 400; a wrong sha256 is 422, the image unchanged', async (t) => {
    if (!needServices(t)) return;
    const a = s!.repo;
    const base = await downloadVia(a, 'disk.img');
    const version = (on(a, '/api/images/disk.img').json as { version: number }).version;
    const tus = ['-H', 'Tus-Resumable: 1.0.0'];
    const start = (repo: Repository, length: number, digest: string): string => {
      const metadata = `sha256 ${Buffer.from(digest).toString('base64')}`;
      const created = on(repo, '/api/images/disk.img/uploads', [...tus, '-X', 'POST', '-H', `Upload-Length: ${length}`, '-H', `Upload-Metadata: ${metadata}`, '-H', `Repoman-Base-Version: ${version}`]);
      assert.equal(created.status, 201, created.body);
      return created.headers.location!;
    };
    const patch = (repo: Repository, location: string, header: string, name: string): CurlResult => {
      const path = join(s!.site.dir, name);
      return on(repo, location, [...tus, '-X', 'PATCH', '-H', 'Content-Type: application/offset+octet-stream', '-H', header, '--data-binary', `@${path}`]);
    };
    const block = randomBytes(BLOCK);
    await writeFile(join(s!.site.dir, 'block.bin'), block);
    await writeFile(join(s!.site.dir, 'short.bin'), block.subarray(0, MIB));
    await writeFile(join(s!.site.dir, 'empty.bin'), Buffer.alloc(0));

    // Grown by half a block, block 2 changed: created on A, block through B, committed on A.
    const third = Buffer.concat([base, Buffer.alloc(BLOCK / 2)]);
    block.copy(third, 2 * BLOCK);
    const upload = start(a, third.length, sha256(third));
    const short = patch(b!, upload, `Repoman-Block-Offset: ${BLOCK}`, 'short.bin');
    assert.equal(short.status, 400, short.body);
    assert.match(short.body, /whole/);
    assert.equal(patch(b!, upload, `Repoman-Block-Offset: ${2 * BLOCK}`, 'block.bin').status, 204);
    assert.equal(on(a, upload, [...tus, '-I']).headers['upload-offset'], String(third.length));
    const committed = patch(a, upload, `Upload-Offset: ${third.length}`, 'empty.bin');
    assert.equal(committed.status, 204, committed.body);
    assert.equal(sha256(await downloadVia(b!, 'disk.img')), sha256(third), 'the short block changed nothing, the whole one landed');

    // A wrong announced sha256: 422 at commit, the image keeps its bytes and version.
    const before = (on(b!, '/api/images/disk.img').json as { version: number }).version;
    const liar = start(b!, third.length, sha256(randomBytes(10)));
    assert.equal(patch(a, liar, `Repoman-Block-Offset: 0`, 'block.bin').status, 204);
    const refused = patch(b!, liar, `Upload-Offset: ${third.length}`, 'empty.bin');
    assert.equal(refused.status, 422, refused.body);
    assert.equal(sha256(await downloadVia(a, 'disk.img')), sha256(third));
    assert.equal((on(a, '/api/images/disk.img').json as { version: number }).version, before);
    assert.equal(on(a, liar, [...tus, '-I']).status, 404, 'the refused upload is gone');
    assert.deepEqual(await leftInS3(), { objects: [], multipartUploads: [] }, 'and nothing of it, nor of the others, is left in S3');
  });

  /** What the bucket holds besides committed blobs: objects and multipart uploads of uploads. */
  async function leftInS3(): Promise<{ objects: string[]; multipartUploads: string[] }> {
    const client = createS3Client({ ...ceph!, forcePathStyle: true });
    try {
      const Bucket = 'repoman-delta';
      const objects = ((await client.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((object) => object.Key ?? '').filter((key) => !key.startsWith('blobs/'));
      const multipartUploads = ((await client.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).map((upload) => upload.Key ?? '');
      return { objects, multipartUploads };
    } finally {
      client.destroy();
    }
  }
});
