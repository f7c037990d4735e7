/**
 * A minimal DER writer for the few structures the ASN.1 library does not model (the RFC 3820
 * ProxyCertInfo extension, proxy names made from the issuer's exact RDN bytes). Each function
 * returns the complete encoded element.
 */
import { TAG } from './der-reader.js';

/** Encodes one element from its tag and content. */
export function encodeElement(tag: number, content: Buffer): Buffer {
  const len = content.length;
  let header: Buffer;
  if (len < 0x80) {
    header = Buffer.from([tag, len]);
  } else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}

export function encodeSequence(children: Buffer[]): Buffer {
  return encodeElement(TAG.SEQUENCE, Buffer.concat(children));
}

/** Encodes a SET OF with its members sorted as DER requires. */
export function encodeSet(children: Buffer[]): Buffer {
  const sorted = [...children].sort(Buffer.compare);
  return encodeElement(TAG.SET, Buffer.concat(sorted));
}

export function encodeOid(oid: string): Buffer {
  const arcs = oid.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new Error(`bad OID ${oid}`);
  const out: number[] = [];
  const values = [(arcs[0] as bigint) * 40n + (arcs[1] as bigint), ...arcs.slice(2)];
  for (const v of values) {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (let rest = v >> 7n; rest > 0n; rest >>= 7n) chunk.unshift(Number(rest & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return encodeElement(TAG.OID, Buffer.from(out));
}

/** Encodes a signed integer in minimal two's complement. */
export function encodeInteger(value: bigint | number): Buffer {
  let v = BigInt(value);
  const bytes: number[] = [];
  if (v >= 0n) {
    do {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v > 0n);
    if (((bytes[0] as number) & 0x80) !== 0) bytes.unshift(0);
  } else {
    do {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v < -1n || ((bytes[0] as number) & 0x80) === 0);
  }
  return encodeElement(TAG.INTEGER, Buffer.from(bytes));
}
