/**
 * Functions for the inline worker scripts (block-list-file.ts, running-sha256.ts), given as
 * JavaScript source to put into theirs.
 *
 * `openFile(path, flags, direct)` opens with O_DIRECT added where asked and the system and file
 * system have it (EINVAL where they have not), else as asked. (direct-file.ts does the same for
 * the main thread, with promises.)
 *
 * `call(fn, ...args)` calls a callback-taking function (fs.read, fs.write) and gives a promise of
 * its value.
 *
 * `hashCold(hash, bytes)` hashes bytes that no core has touched lately (read around the page
 * cache, or by another thread) in small pieces copied into a buffer the core keeps in its cache
 * first: sha256 waits on memory otherwise, and on this machine the copy and hash run at 1.33
 * GB/s against 0.9–1.0 GB/s for hashing in place (1.64 GB/s for bytes already in the cache).
 */
export const WORKER_FUNCTIONS_SOURCE = `
const openFile = (file, flags, direct) => {
  const { openSync, constants } = require('node:fs');
  if (direct && constants.O_DIRECT !== undefined) {
    try { return openSync(file, flags | constants.O_DIRECT); } catch (error) { if (error.code !== 'EINVAL') throw error; }
  }
  return openSync(file, flags);
};
const call = (fn, ...args) => new Promise((resolve, reject) => fn(...args, (error, value) => (error ? reject(error) : resolve(value))));
const HOT_BYTES = 64 * 1024;
const hot = Buffer.allocUnsafeSlow(HOT_BYTES);
const hashCold = (hash, bytes) => {
  for (let at = 0; at < bytes.length; at += HOT_BYTES) {
    const count = bytes.copy(hot, 0, at, Math.min(bytes.length, at + HOT_BYTES));
    hash.update(hot.subarray(0, count));
  }
};
`;
