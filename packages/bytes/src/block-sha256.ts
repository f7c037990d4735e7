/**
 * Per-block SHA-256 of a byte stream, for delta re-saves (SPEC §3 "Blocks"): the stream is cut
 * into fixed blocks of `BLOCK_LIST_BYTES` (the last one shorter) and each block's sha256 is
 * listed, along with the whole stream's sha256, in one pass and constant memory. The server
 * lists a stored version's blocks with it and the client a new image's, so both cut and hash
 * alike by construction. 8 MiB: an S3 part must be at least 5 MiB (but the last), so one
 * changed block is one part and unchanged runs are whole parts copied on the server; a 20 GiB
 * disk is 2560 blocks (a 160 KiB list).
 */
import { createHash, type Hash } from 'node:crypto';

export const BLOCK_LIST_BYTES = 8 * 1024 * 1024;

export interface BlockList {
  readonly blockSize: number;
  readonly size: number;
  /** sha256 of every byte, lowercase hex. */
  readonly sha256: string;
  /** sha256 of each block in order, lowercase hex; none for an empty stream. */
  readonly blocks: readonly string[];
}

/** Reads `source` to its end and lists its blocks. */
export async function blockListOf(source: AsyncIterable<Uint8Array>, blockSize = BLOCK_LIST_BYTES): Promise<BlockList> {
  const whole = createHash('sha256');
  const blocks: string[] = [];
  let block: Hash = createHash('sha256');
  let inBlock = 0;
  let size = 0;
  for await (const chunk of source) {
    whole.update(chunk);
    size += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(blockSize - inBlock, chunk.length - at);
      block.update(chunk.subarray(at, at + take));
      at += take;
      inBlock += take;
      if (inBlock === blockSize) {
        blocks.push(block.digest('hex'));
        block = createHash('sha256');
        inBlock = 0;
      }
    }
  }
  if (inBlock > 0) blocks.push(block.digest('hex'));
  return { blockSize, size, sha256: whole.digest('hex'), blocks };
}
