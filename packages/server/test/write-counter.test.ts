/**
 * countingWrites: a store's writes bump every counter given, once each finished (committed or
 * failed), and its reads bump none — what the caller, totals and answer caches rely on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countingWrites, WriteCounter } from '../src/metadata/write-counter.js';

interface Store {
  read(): Promise<number>;
  write(): Promise<void>;
  failingWrite(): Promise<void>;
  readonly name: string;
}

describe('countingWrites', () => {
  it('counts each finished write in every counter, a failed one too, and no read', async () => {
    let seenDuringWrite = -1;
    const accounts = new WriteCounter();
    const all = new WriteCounter();
    const store: Store = {
      name: 'store',
      read: async () => 7,
      write: async () => {
        seenDuringWrite = all.count;
      },
      failingWrite: async () => {
        throw new Error('constraint');
      },
    };
    const counted = countingWrites(store, { read: 'read', write: 'write', failingWrite: 'write' }, accounts, all);
    assert.equal(await counted.read(), 7);
    assert.equal(all.count, 0);
    await counted.write();
    assert.equal(seenDuringWrite, 0, 'the count moves once the write has finished, not before');
    assert.deepEqual([accounts.count, all.count], [1, 1]);
    await assert.rejects(counted.failingWrite(), /constraint/);
    assert.deepEqual([accounts.count, all.count], [2, 2]);
    assert.equal(counted.name, 'store');
  });
});
