/**
 * A minimal strict DER reader. It returns tag/length/value slices of the original bytes, so
 * that names, RDNs and to-be-signed parts can be compared and hashed exactly as they were
 * signed (re-encoding through an ASN.1 library can change them). Any malformed input throws
 * DerError; callers turn it into a CredentialError.
 */

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** One TLV element: `bytes` is the whole element, `content` its value. */
export interface DerElement {
  /** The identifier octet (class, constructed bit, low tag number). */
  tag: number;
  bytes: Buffer;
  content: Buffer;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  GENERAL_STRING: 0x1b,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Reads the element starting at `offset` of `buf`. */
export function readElement(buf: Buffer, offset = 0): DerElement {
  if (offset + 2 > buf.length) throw new DerError('truncated DER element');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  let pos = offset + 1;
  const first = buf[pos++] as number;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > 4) throw new DerError('DER length too large');
    if (pos + count > buf.length) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[pos++] as number);
    if (length < 0x80 || (count > 1 && buf[pos - count] === 0)) throw new DerError('non-minimal DER length');
  }
  const end = pos + length;
  if (end > buf.length) throw new DerError('DER element runs past the end of its container');
  return { tag, bytes: buf.subarray(offset, end), content: buf.subarray(pos, end) };
}

/** Reads the single element that must fill `buf` exactly. */
export function readOnly(buf: Buffer, expectedTag?: number): DerElement {
  const el = readElement(buf, 0);
  if (el.bytes.length !== buf.length) throw new DerError('trailing bytes after DER element');
  if (expectedTag !== undefined && el.tag !== expectedTag) throw new DerError(`expected DER tag 0x${expectedTag.toString(16)}`);
  return el;
}

/** Splits the content of a constructed element into its children. */
export function readChildren(el: DerElement | Buffer): DerElement[] {
  const content = Buffer.isBuffer(el) ? el : el.content;
  const out: DerElement[] = [];
  let pos = 0;
  while (pos < content.length) {
    const child = readElement(content, pos);
    out.push(child);
    pos += child.bytes.length;
  }
  return out;
}

/** Decodes an OBJECT IDENTIFIER's content into dotted form. */
export function decodeOid(content: Buffer): string {
  if (content.length === 0) throw new DerError('empty OID');
  const parts: bigint[] = [];
  let value = 0n;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i] as number;
    if (value === 0n && byte === 0x80) throw new DerError('non-minimal OID arc');
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0n;
    } else if (i === content.length - 1) {
      throw new DerError('truncated OID');
    }
  }
  const first = parts[0] as bigint;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...parts.slice(1)].join('.');
}

/** Decodes an INTEGER's content as a signed bigint. */
export function decodeInteger(content: Buffer): bigint {
  if (content.length === 0) throw new DerError('empty INTEGER');
  let value = BigInt('0x' + content.toString('hex'));
  if (((content[0] as number) & 0x80) !== 0) value -= 1n << BigInt(content.length * 8);
  return value;
}
