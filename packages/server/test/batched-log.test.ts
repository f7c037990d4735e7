/**
 * The running server's request log sink: lines of one event-loop turn go out in one write, in
 * order, at the next setImmediate; flush() writes what is pending at once.
 */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { batchedLog } from '../src/commands/serve/batched-log.js';

describe('batchedLog', () => {
  it('writes the lines of one turn in one write, in order, a turn later', async () => {
    const writes: string[] = [];
    const log = batchedLog({ write: (text: string) => writes.push(text) });
    log.write('a\n');
    log.write('b\n');
    assert.deepEqual(writes, [], 'nothing is written during the turn');
    await nextTurn();
    assert.deepEqual(writes, ['a\nb\n']);
    log.write('c\n');
    await nextTurn();
    assert.deepEqual(writes, ['a\nb\n', 'c\n']);
  });

  it('flush() writes what is pending at once, and the scheduled write then has nothing to add', async () => {
    const writes: string[] = [];
    const log = batchedLog({ write: (text: string) => writes.push(text) });
    log.write('last words\n');
    log.flush();
    assert.deepEqual(writes, ['last words\n']);
    await nextTurn();
    assert.deepEqual(writes, ['last words\n']);
  });
});
