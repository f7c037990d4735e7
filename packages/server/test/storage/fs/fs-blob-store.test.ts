// The filesystem blob store: the shared conformance suite in a temporary directory, then what
// only a filesystem can show: the on-disk layout and permissions, that temp files and blobs
// share a file system, that a server killed with SIGKILL mid-upload leaves nothing visible and
// a temp file that the next start sweeps, and that streaming 512 MiB keeps memory flat.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BlobNotFoundError } from '../../../src/storage/blob-errors.js';
import { FsBlobStore } from '../../../src/storage/fs/fs-blob-store.js';
import { runBlobStoreConformance } from '../blob-store-conformance.js';
import { generatedSource, sha256Of, sourceOf } from '../test-sources.js';

const MiB = 1024 * 1024;
const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const roots: string[] = [];

async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'repoman-blobs-'));
  roots.push(root);
  return root;
}
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

/** Every regular file under `root`, relative to it (empty directories are not artifacts). */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => relative(root, join(entry.parentPath, entry.name))).sort();
}

runBlobStoreConformance('fs', async () => {
  const root = await tempRoot();
  return {
    store: await FsBlobStore.open(root),
    reopen: () => FsBlobStore.open(root),
    listAllArtifacts: () => filesUnder(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}, { basedOn: true });

describe('fs blob store on disk', () => {
  it('stores a blob at blobs/sha256/<ab>/<digest> with mode 0600 in 0700 directories', async () => {
    const root = await tempRoot();
    const store = await FsBlobStore.open(root);
    const upload = await store.createUpload();
    await upload.write(sourceOf('layout'));
    const { key } = await upload.commit();
    const digest = sha256Of('layout');
    assert.equal(key, `blobs/sha256/${digest.slice(0, 2)}/${digest}`);
    assert.deepEqual(await filesUnder(root), [key]);
    assert.equal((await stat(join(root, key))).mode & 0o777, 0o600);
    for (const dir of ['uploads', 'blobs', 'blobs/sha256', `blobs/sha256/${digest.slice(0, 2)}`]) {
      assert.equal((await stat(join(root, dir))).mode & 0o077, 0, `${dir} is private`);
    }
  });

  it('keeps temp files and blobs on the same file system, so commit is an atomic rename', async () => {
    const root = await tempRoot();
    await FsBlobStore.open(root);
    assert.equal((await stat(join(root, 'uploads'))).dev, (await stat(join(root, 'blobs/sha256'))).dev);
  });

  it('a temp file left by a crash is invisible, then swept by age after a restart', async () => {
    const root = await tempRoot();
    const store = await FsBlobStore.open(root);
    const upload = await store.createUpload();
    await upload.write(sourceOf('half of an image'));
    const [temp] = await readdir(join(root, 'uploads'));
    const aDayAgo = new Date(Date.now() - 24 * 3600 * 1000);
    await utimes(join(root, 'uploads', temp!), aDayAgo, aDayAgo);

    const restarted = await FsBlobStore.open(root);
    assert.deepEqual(await filesUnder(join(root, 'blobs')), []);
    assert.equal(await restarted.sweepUploads(3600 * 1000), 1);
    assert.deepEqual(await filesUnder(root), []);
  });

  it('a server killed with SIGKILL mid-upload leaves no blob, only a temp file that is swept', async () => {
    const root = await tempRoot();
    const script = `
      const { FsBlobStore } = await import(process.argv[1]);
      const { generatedSource } = await import(process.argv[2]);
      const store = await FsBlobStore.open(process.argv[3]);
      const upload = await store.createUpload();
      await upload.write(generatedSource(Infinity).stream);`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, '--',
        new URL('../../../src/storage/fs/fs-blob-store.ts', import.meta.url).href,
        new URL('../test-sources.ts', import.meta.url).href,
        root],
      { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let written = 0;
    for (let tries = 0; written < 8 * MiB && tries < 2000; tries++) {
      await sleep(10);
      const [temp] = await readdir(join(root, 'uploads')).catch(() => []);
      written = temp === undefined ? 0 : (await stat(join(root, 'uploads', temp))).size;
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.ok(written >= 8 * MiB, 'the child was uploading');

    assert.deepEqual(await filesUnder(join(root, 'blobs')), []);
    assert.equal((await filesUnder(join(root, 'uploads'))).length, 1);
    const restarted = await FsBlobStore.open(root);
    assert.equal(await restarted.sweepUploads(0), 1);
    assert.deepEqual(await filesUnder(root), []);
  });

  it("a delta upload's write log is private and listed once; one whose upload is gone is listed by its handle, and cancelling removes it", async () => {
    const root = await tempRoot();
    const store = await FsBlobStore.open(root);
    const upload = await store.createUpload();
    await upload.write(sourceOf(Buffer.alloc(9 * MiB, 1)));
    const base = await upload.commit();
    const live = await store.createResumableFrom(base.key, 9 * MiB);
    await live.writeAt!(8 * MiB, sourceOf(Buffer.alloc(MiB, 2)));
    const log = join(root, 'resumable', `${live.handle}.writes`);
    assert.equal((await stat(log)).mode & 0o777, 0o600);
    const listed = async (): Promise<string[]> => {
      const handles: string[] = [];
      for await (const entry of store.listResumable(0)) handles.push(entry.handle);
      return handles.sort();
    };
    assert.deepEqual(await listed(), [live.handle], 'the upload, once');
    // A log left without its upload (a process stopped between removing the two).
    const orphan = '0b5e4c1e-8d33-4c4e-9a57-2f1d6f0c9a11';
    await writeFile(join(root, 'resumable', `${orphan}.writes`), 'someone 0 8388608\n');
    assert.deepEqual(await listed(), [live.handle, orphan].sort());
    await store.openResumable(orphan).cancel();
    await live.cancel();
    assert.deepEqual(await listed(), []);
    assert.deepEqual(await filesUnder(join(root, 'resumable')), []);
    await store.close();
  });

  it("a delta upload's copy takes writes at once; another instance waits for its private note to go; a failed or cut copy fails them; an orphan note is listed once and removed", async () => {
    const root = await tempRoot();
    const store = await FsBlobStore.open(root);
    const other = await FsBlobStore.open(root);
    const upload = await store.createUpload();
    const base = Buffer.alloc(64 * MiB, 1);
    await upload.write(sourceOf(base));
    const baseRef = await upload.commit();
    // /tmp has no reflinks here: the copy runs after createResumableFrom() has answered.
    const live = await store.createResumableFrom(baseRef.key, 64 * MiB);
    const note = join(root, 'resumable', `${live.handle}.copying`);
    assert.equal((await stat(note)).mode & 0o777, 0o600, 'the note exists while the copy runs, private');
    // At once, from both instances, the other one's far ahead of the copy: neither is overwritten by it.
    const last = Buffer.alloc(8 * MiB, 2);
    const first = Buffer.alloc(8 * MiB, 3);
    await Promise.all([other.openResumable(live.handle).writeAt!(56 * MiB, sourceOf(last)), live.writeAt!(0, sourceOf(first))]);
    await assert.rejects(stat(note), { code: 'ENOENT' }, 'gone once the copy is durable');
    const expected = Buffer.concat([first, base.subarray(8 * MiB, 56 * MiB), last]);
    const ref = await other.openResumable(live.handle).commit();
    assert.deepEqual({ size: ref.size, sha256: ref.sha256 }, { size: expected.length, sha256: sha256Of(expected) });

    // A note that says the copy failed, or that nobody touched for a while (its process stopped).
    const failed = await store.createResumableFrom(baseRef.key, 8 * MiB);
    while (await stat(join(root, 'resumable', `${failed.handle}.copying`)).then(() => true, () => false)) await sleep(10);
    await writeFile(join(root, 'resumable', `${failed.handle}.copying`), 'failed ENOSPC\n');
    await assert.rejects(other.openResumable(failed.handle).writeAt!(0, sourceOf('x')), { code: 'ENOSPC' });
    await assert.rejects(other.openResumable(failed.handle).commit(), { code: 'ENOSPC' });
    const cut = join(root, 'resumable', `${failed.handle}.copying`);
    await writeFile(cut, 'some-writer\n');
    await utimes(cut, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await assert.rejects(other.openResumable(failed.handle).writeAt!(0, sourceOf('x')), BlobNotFoundError);
    await failed.cancel();

    // A note left without its upload (a process stopped between removing the two), with its
    // write log or not: listed once.
    const orphan = '7c1d2a8e-0d5b-4f7e-8a1c-3b9e2d4f6a10';
    const alone = '2f4b6d8a-1c3e-4a5b-8d7f-9e0a1b2c3d4e';
    await writeFile(join(root, 'resumable', `${orphan}.copying`), 'someone\n');
    await writeFile(join(root, 'resumable', `${orphan}.writes`), 'someone 0 8388608\n');
    await writeFile(join(root, 'resumable', `${alone}.copying`), 'someone\n');
    const listed: string[] = [];
    for await (const entry of store.listResumable(0)) listed.push(entry.handle);
    assert.deepEqual(listed.sort(), [alone, orphan].sort());
    await store.openResumable(alone).cancel();
    await store.openResumable(orphan).cancel();
    assert.deepEqual(await filesUnder(join(root, 'resumable')), []);
    await store.delete(ref.key);
    await store.close();
    await other.close();
  });

  it('streaming 512 MiB through write() grows resident memory by less than 64 MiB', async () => {
    const store = await FsBlobStore.open(await tempRoot());
    const warmUp = await store.createUpload();
    await warmUp.write(generatedSource(32 * MiB).stream);
    await warmUp.cancel();

    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const source = generatedSource(512 * MiB, {
      onChunk: (produced) => {
        if (produced % MiB === 0) peak = Math.max(peak, process.memoryUsage.rss());
      },
    });
    const upload = await store.createUpload();
    const { size, sha256 } = await upload.write(source.stream);
    await upload.cancel();
    assert.deepEqual({ size, sha256 }, { size: 512 * MiB, sha256: source.sha256() });
    const growth = (peak - baseline) / MiB;
    assert.ok(growth < 64, `resident memory grew by ${growth.toFixed(1)} MiB`);
  });
});
