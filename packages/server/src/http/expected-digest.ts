/**
 * The sha256 a client announces for the bytes it uploads, from `Repr-Digest` (RFC 9530:
 * `sha-256=:<base64>:`, other algorithms ignored), `Content-Digest` (same syntax; equal to the
 * representation digest since uploads carry no content coding) or `X-Checksum-Sha256: <hex>`.
 * A malformed header, or headers that disagree, answer 400 before any byte is read. Returns
 * the digest as lowercase hex, or undefined when none was announced. The same fields may come
 * as trailers of a chunked upload (RFC 9530 allows it): a client can then hash the bytes while
 * it sends them; they are read once the body has ended, and checked before the commit alike.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { RepomanError } from '../services/repoman-error.js';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function expectedSha256(headers: IncomingHttpHeaders, kind: 'header' | 'trailer' = 'header'): string | undefined {
  const found = new Map<string, string>();
  for (const name of ['repr-digest', 'content-digest'] as const) {
    const value = single(headers, name);
    if (value === undefined) continue;
    const digest = fromDigestField(name, value, kind);
    if (digest !== undefined) found.set(name, digest);
  }
  const hex = single(headers, 'x-checksum-sha256');
  if (hex !== undefined) {
    if (!HEX_SHA256.test(hex.trim())) throw bad('x-checksum-sha256', kind, 'must be 64 hexadecimal digits (a sha256)');
    found.set('x-checksum-sha256', hex.trim().toLowerCase());
  }
  const distinct = new Set(found.values());
  if (distinct.size > 1) throw new RepomanError('BAD_REQUEST', `the digest ${kind}s disagree: ${[...found.keys()].join(', ')}`);
  return distinct.values().next().value;
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The sha-256 member of an RFC 9530 dictionary (`alg=:b64:, …`), as hex. */
function fromDigestField(name: string, value: string, kind: string): string | undefined {
  for (const member of value.split(',')) {
    const equals = member.indexOf('=');
    if (equals === -1) throw bad(name, kind, 'must be a list of algorithm=:base64: members');
    const algorithm = member.slice(0, equals).trim().toLowerCase();
    if (algorithm !== 'sha-256') continue;
    const encoded = /^:([^:]*):$/.exec(member.slice(equals + 1).trim())?.[1];
    const bytes = encoded !== undefined && BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
    if (bytes?.length !== 32) throw bad(name, kind, 'sha-256 must be :<base64 of 32 bytes>:');
    return bytes.toString('hex');
  }
  return undefined;
}

function bad(name: string, kind: string, problem: string): RepomanError {
  return new RepomanError('BAD_REQUEST', `the ${name} ${kind} ${problem}, e.g. Repr-Digest: sha-256=:<base64>: or X-Checksum-Sha256: <hex>`);
}
