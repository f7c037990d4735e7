// close() releases what a blob store holds open: for the filesystem driver, the thread that
// hashes uploads (seen as the process's thread count in /proc, which a Worker adds to), while
// the committed bytes stay for the next store over the same directory. A second close() does
// nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { createBlobStore } from '../../src/storage/index.js';
import { bytesOf, sourceOf } from './test-sources.js';

function threads(): number {
  return Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
}

/** The thread count once it has stopped changing (a terminated thread is joined shortly after). */
async function settledThreads(): Promise<number> {
  let last = threads();
  for (let i = 0; i < 20; i++) {
    await sleep(50);
    const now = threads();
    if (now === last) return now;
    last = now;
  }
  return last;
}

it('close() stops the fs store\'s hashing thread and keeps its blobs; closing twice is harmless', async () => {
  const root = await mkdtemp(join(tmpdir(), 'repoman-close-'));
  try {
    const store = await createBlobStore({ driver: 'fs', path: root });
    const upload = await store.createUpload();
    await upload.write(sourceOf(Buffer.alloc(3 * 1024 * 1024, 7)));
    const { key } = await upload.commit();
    await upload.cancel();
    const open = await settledThreads();
    await store.close();
    assert.ok((await settledThreads()) < open, 'the hashing thread is gone');
    await store.close();
    const again = await createBlobStore({ driver: 'fs', path: root });
    assert.equal((await bytesOf(await again.read(key))).length, 3 * 1024 * 1024);
    await again.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
