/**
 * RunningSha256: the copy it makes is the source's first `length` bytes (zeros past the
 * source's end), and its sha256 is the file's as it finally is, whatever the writes did —
 * blocks rewritten in file order, behind the hash (rewinds), twice, cut short, in pieces while
 * the hash runs, while it still copies (they wait for it, it never overwrites them), or by
 * another process (rewritten()); direct (O_DIRECT) or not. A file shorter
 * than its length, or a stopped hash, rejects; a stopped one has closed its files.
 * sha256OfFile's direct reads agree with buffered ones on every odd size.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sha256OfFile } from '../src/block-list-file.js';
import { RunningSha256 } from '../src/running-sha256.js';

const BLOCK = 64 * 1024;
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'running-sha256-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `bytes` at `offset` of `path` as a store's writeAt does: once copied there, marked on `running`. */
async function writeBlock(running: RunningSha256, path: string, offset: number, bytes: Buffer): Promise<void> {
  await running.ready(offset, bytes.length);
  const done = running.writing(offset, bytes.length);
  const file = await open(path, 'r+');
  try {
    await file.write(bytes, 0, bytes.length, offset);
    await file.sync();
  } finally {
    await file.close();
    done(bytes.length);
  }
}

for (const direct of [true, false]) {
  test(`copy: the source's first bytes, zeros past its end, then hashed (direct ${direct})`, async () => {
    const source = join(dir, `source-${direct}`);
    const bytes = randomBytes(3 * BLOCK + 1234);
    await writeFile(source, bytes);
    for (const length of [0, 1, BLOCK, 2 * BLOCK + 77, bytes.length, 5 * BLOCK + 5]) {
      const path = join(dir, `copy-${direct}-${length}`);
      await writeFile(path, '');
      const running = new RunningSha256({ path, length, blockSize: BLOCK, copyFrom: source, direct });
      await running.copied;
      const expected = Buffer.concat([bytes.subarray(0, length), Buffer.alloc(Math.max(0, length - bytes.length))]);
      assert.deepEqual(await readFile(path), expected, `copy of length ${length}`);
      assert.deepEqual(await running.finish(), { size: length, sha256: sha(expected), rewinds: 0 }, `sha256 of length ${length}`);
    }
  });

  test(`writes in order, behind the hash, twice and cut: the final file's sha256 (direct ${direct})`, async () => {
    const source = join(dir, `base-${direct}`);
    const path = join(dir, `upload-${direct}`);
    await writeFile(source, randomBytes(40 * BLOCK + 999));
    const length = 40 * BLOCK + 999;
    await writeFile(path, '');
    const running = new RunningSha256({ path, length, blockSize: BLOCK, copyFrom: source, direct });
    await running.copied;
    // In file order, as a client sends them; then behind them, a block twice, the last (short) one.
    for (const k of [3, 9, 10, 25, 2, 9, 0, 40]) await writeBlock(running, path, k * BLOCK, randomBytes(k === 40 ? 999 : BLOCK));
    // A cut write: half a block written, told as such.
    const done = running.writing(30 * BLOCK, BLOCK);
    const file = await open(path, 'r+');
    await file.write(randomBytes(BLOCK / 2), 0, BLOCK / 2, 30 * BLOCK);
    await file.close();
    done(BLOCK / 2);
    const result = await running.finish();
    assert.equal(result.sha256, sha(await readFile(path)));
    assert.equal(result.size, length);
  });

  test(`writes while it copies wait for the copy to pass their blocks, which never overwrites them, the copy running at once or keeping pace (direct ${direct})`, async () => {
    for (const pace of [false, true]) await writesWhileCopying(direct, pace);
  });
}

async function writesWhileCopying(direct: boolean, pace: boolean): Promise<void> {
  const source = join(dir, `copying-base-${direct}-${pace}`);
  const length = 1000 * BLOCK + 999;
  const base = randomBytes(length);
  await writeFile(source, base);
  // At once, not waiting for the copy: out of order (the last, short, block first, far ahead of
  // the copy; one twice), then in order every 50 blocks, as a client sends what it finds.
  for (const [name, order] of [['out of order', [1000, 0, 5, 500, 5, 999]], ['in order', Array.from({ length: 20 }, (_, i) => i * 50)]] as const) {
    const path = join(dir, `copying-${direct}-${pace}`);
    await writeFile(path, '');
    const running = new RunningSha256({ path, length, blockSize: BLOCK, copyFrom: source, direct, pace });
    const expected = Buffer.from(base);
    for (const k of order) {
      const bytes = randomBytes(k === 1000 ? 999 : BLOCK);
      bytes.copy(expected, k * BLOCK);
      await writeBlock(running, path, k * BLOCK, bytes);
    }
    const result = await running.finish();
    assert.deepEqual(await readFile(path), expected, name);
    assert.deepEqual({ size: result.size, sha256: result.sha256 }, { size: length, sha256: sha(expected) }, name);
  }
  // Asked at once, while it copies: it answers once copied (and holds the process open till then).
  const untouched = join(dir, `copying-untouched-${direct}-${pace}`);
  await writeFile(untouched, '');
  assert.equal((await new RunningSha256({ path: untouched, length, blockSize: BLOCK, copyFrom: source, direct, pace }).finish()).sha256, sha(base));
  // Keeping pace with writes that never come, the copy goes on by itself.
  await writeFile(untouched, '');
  await new RunningSha256({ path: untouched, length, blockSize: BLOCK, copyFrom: source, direct, pace }).copied;
  assert.deepEqual(await readFile(untouched), base);
}

test('blocks rewritten in pieces again and again while the hash runs: the final sha256', async () => {
  const path = join(dir, 'torn');
  const length = 200 * BLOCK;
  await writeFile(path, randomBytes(length));
  const running = new RunningSha256({ path, length, blockSize: BLOCK, direct: true });
  // Let it run to the last write (block 199), then rewrite every block, each while the hash may read it.
  await writeBlock(running, path, 199 * BLOCK, randomBytes(BLOCK));
  for (let k = 0; k < 200; k += 7) {
    const done = running.writing(k * BLOCK, BLOCK);
    const file = await open(path, 'r+');
    for (let part = 0; part < 4; part += 1) await file.write(randomBytes(BLOCK / 4), 0, BLOCK / 4, k * BLOCK + (part * BLOCK) / 4);
    await file.close();
    done(BLOCK);
  }
  assert.equal((await running.finish()).sha256, sha(await readFile(path)));
});

test("another process's writes, told by rewritten(), are hashed again", async () => {
  const path = join(dir, 'foreign');
  const length = 20 * BLOCK;
  await writeFile(path, randomBytes(length));
  const running = new RunningSha256({ path, length, blockSize: BLOCK });
  await writeBlock(running, path, 19 * BLOCK, randomBytes(BLOCK));
  await new Promise((resolve) => setTimeout(resolve, 100)); // it has hashed everything up to block 19
  const file = await open(path, 'r+');
  await file.write(randomBytes(BLOCK), 0, BLOCK, 4 * BLOCK);
  await file.close();
  running.rewritten(4 * BLOCK, BLOCK);
  assert.equal((await running.finish()).sha256, sha(await readFile(path)));
});

test('a file shorter than its length, or a stopped hash, rejects', async () => {
  const path = join(dir, 'short');
  await writeFile(path, randomBytes(3 * BLOCK));
  const short = new RunningSha256({ path, length: 4 * BLOCK, blockSize: BLOCK });
  await assert.rejects(short.finish(), /shorter than its length/);
  const stopped = new RunningSha256({ path, length: 3 * BLOCK, blockSize: BLOCK });
  stopped.stop();
  await assert.rejects(stopped.finish(), /stopped/);
  // A stopped thread closed its files (a removed file's space is not held).
  const copy = join(dir, 'stopped-copy');
  await writeFile(copy, '');
  const copying = new RunningSha256({ path: copy, length: 3 * BLOCK, blockSize: BLOCK, copyFrom: path });
  await copying.copied;
  copying.stop();
  await assert.rejects(copying.finish(), /stopped/);
  const open = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  assert.deepEqual(open.filter((target) => target === path || target === copy), []);
  const missing = new RunningSha256({ path: join(dir, 'none'), length: 10, blockSize: BLOCK, copyFrom: join(dir, 'none-either') });
  await assert.rejects(missing.copied, { code: 'ENOENT' });
  await assert.rejects(missing.ready(0, 10), { code: 'ENOENT' });
});

test('sha256OfFile reads around the page cache and agrees on every odd size', async () => {
  for (const size of [0, 1, 4095, 4096, 1024 * 1024 - 1, 1024 * 1024 + 1, 9 * 1024 * 1024 + 12345]) {
    const path = join(dir, `whole-${size}`);
    const bytes = randomBytes(size);
    await writeFile(path, bytes);
    assert.deepEqual(await sha256OfFile(path, { direct: true }), { size, sha256: sha(bytes) }, `size ${size}`);
  }
});
