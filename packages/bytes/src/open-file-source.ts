/**
 * A function for the inline worker scripts (block-list-file.ts, running-sha256.ts), given as
 * JavaScript source to put into theirs: `openFile(path, flags, direct)` opens with O_DIRECT
 * added where asked and the system and file system have it (EINVAL where they have not),
 * else as asked. (direct-file.ts does the same for the main thread, with promises.)
 */
export const OPEN_FILE_SOURCE = `
const openFile = (file, flags, direct) => {
  const { openSync, constants } = require('node:fs');
  if (direct && constants.O_DIRECT !== undefined) {
    try { return openSync(file, flags | constants.O_DIRECT); } catch (error) { if (error.code !== 'EINVAL') throw error; }
  }
  return openSync(file, flags);
};
`;
