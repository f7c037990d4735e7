/**
 * The BlobBlockStore contract (`blob-block-store.ts`) over kysely, for every SQL dialect. The
 * blocks are stored as one string of concatenated hex digests and split when read.
 */
import type { Kysely } from 'kysely';
import type { BlobBlockStore } from './blob-block-store.js';
import type { Database } from './database-schema.js';

const HEX = 64;

export function createSqlBlobBlockStore(db: Kysely<Database>): BlobBlockStore {
  return {
    async find(blobKey) {
      const row = await db.selectFrom('blob_blocks').selectAll().where('blob_key', '=', blobKey).executeTakeFirst();
      if (row === undefined) return undefined;
      const blocks: string[] = [];
      for (let at = 0; at < row.blocks.length; at += HEX) blocks.push(row.blocks.slice(at, at + HEX));
      return { blockSize: Number(row.block_size), size: Number(row.size), sha256: row.sha256, blocks };
    },

    async record(blobKey, list) {
      await db
        .insertInto('blob_blocks')
        .values({ blob_key: blobKey, block_size: list.blockSize, size: list.size, sha256: list.sha256, blocks: list.blocks.join(''), computed: new Date().toISOString() })
        .onConflict((oc) => oc.column('blob_key').doNothing())
        .execute();
    },

    async awaiting(limit) {
      const rows = await db
        .selectFrom('image_versions as v')
        .leftJoin('blob_blocks as b', 'b.blob_key', 'v.blob_key')
        .select('v.blob_key')
        .distinct()
        .where('b.blob_key', 'is', null)
        .limit(limit)
        .execute();
      return rows.map((row) => row.blob_key);
    },
  };
}
