// Early writeback of uploads: an fdatasync starts every `everyBytes` written, never two at once
// on a file, at most `concurrency` at once per store (an upload whose turn does not come tries
// again after its next batch), and settle() waits for the sync in flight; a failing background
// sync is left to the final fsync.
import assert from 'node:assert/strict';
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { EarlyWriteback } from '../../../src/storage/fs/early-writeback.js';

function fakeFile(syncMs: number, fail = false): { file: FileHandle; syncs: () => number } {
  let syncs = 0;
  const file = {
    datasync: async () => {
      syncs += 1;
      await sleep(syncMs);
      if (fail) throw new Error('EIO');
    },
  } as unknown as FileHandle;
  return { file, syncs: () => syncs };
}

describe('EarlyWriteback', () => {
  it('syncs every everyBytes, one at a time per file, and settle waits for it', async () => {
    const writeback = new EarlyWriteback(100, 4);
    const { file, syncs } = fakeFile(20);
    const tracker = writeback.track(file);
    tracker.wrote(60);
    assert.equal(syncs(), 0);
    tracker.wrote(60);
    assert.equal(syncs(), 1);
    tracker.wrote(200); // the first sync still runs: no second one
    assert.equal(syncs(), 1);
    const started = Date.now();
    await tracker.settle();
    assert.ok(Date.now() - started >= 10);
    tracker.wrote(100);
    assert.equal(syncs(), 2);
    await tracker.settle();
  });

  it('runs at most `concurrency` syncs per store; the others wait for a later batch', async () => {
    const writeback = new EarlyWriteback(10, 1);
    const a = fakeFile(30);
    const b = fakeFile(30);
    const ta = writeback.track(a.file);
    const tb = writeback.track(b.file);
    ta.wrote(10);
    tb.wrote(10);
    assert.deepEqual([a.syncs(), b.syncs()], [1, 0]);
    await ta.settle();
    tb.wrote(1);
    assert.equal(b.syncs(), 1);
    await tb.settle();
  });

  it('a failing background sync does not reject settle()', async () => {
    const tracker = new EarlyWriteback(1).track(fakeFile(1, true).file);
    tracker.wrote(5);
    await tracker.settle();
  });
});
