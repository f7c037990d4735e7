// The byte machinery the server and the client share: page-aligned shared memory for batches,
// a file written around the page cache, and SHA-256 on a worker thread (see each file).
export { ALIGNMENT, alignedSharedBuffers } from './aligned-memory.js';
export { BackgroundSha256, type HashSession } from './background-sha256.js';
export { BLOCK_BYTES, DirectFile, directWritesSuit, type CreateOptions } from './direct-file.js';
export { BLOCK_LIST_BYTES, blockListOf, type BlockList } from './block-sha256.js';
export { blockListOfFile, sha256OfFile, type BlockListOptions, type Sha256OfFileOptions } from './block-list-file.js';
export { RunningSha256, type RunningSha256Options, type RunningSha256Result } from './running-sha256.js';
