/**
 * The RFC 9530 `Repr-Digest` header for sha-256 (`sha-256=:<base64>:`), both ways: the value
 * an upload sends so that the server refuses corrupted bytes (422), and the digest a download
 * answer states for the image, in hex as the image record's checksum is written.
 */

export function formatReprDigest(sha256Hex: string): string {
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}

/** The sha-256 of a `Repr-Digest` header, in hex; undefined when absent or of another algorithm. */
export function parseReprDigest(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return undefined;
  const match = /(?:^|,)\s*sha-256\s*=\s*:([A-Za-z0-9+/=]+):/i.exec(text);
  if (!match?.[1]) return undefined;
  const bytes = Buffer.from(match[1], 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : undefined;
}
