// The content-addressed key layout shared by the drivers: `blobs/sha256/<first two hex
// digits>/<64 hex digits>`. The fan-out directory keeps directories (or listing prefixes)
// small; using the same layout on every driver lets an operator move blobs between them by
// copying. Parsing is strict, so a key can never name anything outside the blob space.

const BLOB_KEY = /^blobs\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The prefix under which every committed blob lives. */
export const BLOB_KEY_PREFIX = 'blobs/sha256/';

/** The key of the blob whose SHA-256 is `sha256` (lowercase hex); throws on anything else. */
export function blobKeyForDigest(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new TypeError(`not a lowercase hex SHA-256: ${JSON.stringify(sha256)}`);
  return `${BLOB_KEY_PREFIX}${sha256.slice(0, 2)}/${sha256}`;
}

/** The SHA-256 a well-formed key names, or null for anything this layout never produces. */
export function digestOfBlobKey(key: string): string | null {
  const match = BLOB_KEY.exec(key);
  if (match === null) return null;
  const [, fanOut, digest] = match as unknown as [string, string, string];
  return digest.startsWith(fanOut) ? digest : null;
}
