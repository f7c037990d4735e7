// Benchmark (a program, not a test): MB/s of writing and reading 1 GiB through the filesystem
// blob store, next to `cp` + `sync` and `dd` on the same file system, to show the driver is
// not the bottleneck of an upload or download. Writes include the fsync and the commit; reads
// come from the page cache (as `dd`'s do). A resumable upload's append and its commit are
// timed apart: the commit hashes the stored bytes once more (no hash state survives a process). Run from the repository root:
//   node --import tsx packages/server/bench/blob-store-throughput.ts [directory] [GiB] [rounds]
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../src/storage/fs/fs-blob-store.js';
import { drain, timed, tlsLikeSource } from './throughput-kit.js';

const MiB = 1024 * 1024;
const dir = await mkdtemp(join(process.argv[2] ?? tmpdir(), 'repoman-bench-'));
const totalBytes = Number(process.argv[3] ?? 1) * 1024 * MiB;
const block = randomFillSync(Buffer.allocUnsafe(MiB));

try {
  const sourceFile = join(dir, 'source.bin');
  const file = await open(sourceFile, 'w');
  for (let written = 0; written < totalBytes; written += MiB) await file.write(randomFillSync(block));
  await file.close();
  console.log(`${totalBytes / MiB} MiB in ${dir}`);

  const store = await FsBlobStore.open(join(dir, 'store'));
  const copy = join(dir, 'copy.bin');
  const rounds = Number(process.argv[4] ?? 3);
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round}`);
    let key = '';
    execFileSync('sync'); // start each write with no dirty pages from the previous one
    await timed('store write, 16 KiB chunks from memory (+fsync, commit)', totalBytes, async () => {
      const upload = await store.createUpload();
      await upload.write(tlsLikeSource(totalBytes, block));
      key = (await upload.commit()).key;
    });
    await store.delete(key);
    execFileSync('sync');
    const resumable = await store.createResumable();
    await timed('resumable append, 16 KiB chunks from memory (+fsync)', totalBytes, async () => resumable.append(0, tlsLikeSource(totalBytes, block)));
    await timed('resumable commit (one sha256 pass over the stored bytes, rename)', totalBytes, async () => {
      key = (await resumable.commit()).key;
    });
    await store.delete(key);
    execFileSync('sync');
    await timed('store write, from a file read stream (+fsync, commit)', totalBytes, async () => {
      const upload = await store.createUpload();
      await upload.write(createReadStream(sourceFile, { highWaterMark: MiB }));
      key = (await upload.commit()).key;
    });
    execFileSync('sync');
    await timed('cp file + sync', totalBytes, async () => execFileSync('sh', ['-c', 'cp "$0" "$1" && sync "$1"', sourceFile, copy]));
    await timed('store read, whole blob (page cache)', totalBytes, async () => drain(await store.read(key)));
    await timed('dd bs=1M to /dev/null (page cache)', totalBytes, async () => execFileSync('dd', [`if=${copy}`, 'of=/dev/null', 'bs=1M'], { stdio: 'ignore' }));
    await store.delete(key);
    await rm(copy);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
