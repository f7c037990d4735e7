/**
 * Reading a DN written in the OpenSSL slash form (`/C=CA/O=Grid/CN=Bob Smith`) into the DER of
 * a Name, for issuing certificates. It accepts what formatDn writes: `+` joins the members of
 * a multi-valued RDN, `\/` `\+` `\\` escape those characters, and `\xHH` gives a raw byte.
 * String types follow `openssl req`: PrintableString for C, serialNumber and dnQualifier,
 * IA5String for DC and emailAddress, UTF8String otherwise.
 */
import { attributeOid } from './attribute-names.js';
import { TAG } from './der-reader.js';
import { encodeElement, encodeOid, encodeSequence, encodeSet } from './der-writer.js';

const PRINTABLE_TYPES = new Set(['2.5.4.6', '2.5.4.5', '2.5.4.46']);
const IA5_TYPES = new Set(['0.9.2342.19200300.100.1.25', '1.2.840.113549.1.9.1']);

interface Token {
  text: Buffer;
  /** The separator that ended the token: '/', '+' or '' at the end. */
  sep: string;
}

function tokenize(dn: string): Token[] {
  const tokens: Token[] = [];
  let bytes: number[] = [];
  const push = (s: string): void => {
    bytes.push(...Buffer.from(s, 'utf8'));
  };
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i] as string;
    if (c === '\\') {
      const next = dn[i + 1];
      if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(dn.slice(i + 2, i + 4))) {
        bytes.push(parseInt(dn.slice(i + 2, i + 4), 16));
        i += 3;
      } else if (next !== undefined) {
        push(next);
        i += 1;
      } else {
        throw new Error(`DN ends with a backslash: ${dn}`);
      }
    } else if (c === '/' || c === '+') {
      tokens.push({ text: Buffer.from(bytes), sep: c });
      bytes = [];
    } else {
      push(c);
    }
  }
  tokens.push({ text: Buffer.from(bytes), sep: '' });
  return tokens;
}

function encodeAttribute(token: Buffer, dn: string): Buffer {
  const eq = token.indexOf(0x3d);
  if (eq <= 0) throw new Error(`bad attribute "${token.toString()}" in DN ${dn}`);
  const name = token.subarray(0, eq).toString('utf8');
  const value = token.subarray(eq + 1);
  const oid = attributeOid(name);
  if (!oid) throw new Error(`unknown attribute type "${name}" in DN ${dn}`);
  const ascii = value.every((b) => b < 0x80);
  let tag: number = TAG.UTF8_STRING;
  if (PRINTABLE_TYPES.has(oid) && /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value.toString('latin1'))) tag = TAG.PRINTABLE_STRING;
  else if (IA5_TYPES.has(oid) && ascii) tag = TAG.IA5_STRING;
  return encodeSequence([encodeOid(oid), encodeElement(tag, value)]);
}

/** The DER of the Name written as `dn` in slash form. An empty string is the empty name. */
export function parseDn(dn: string): Buffer {
  if (dn === '' || dn === '/') return encodeSequence([]);
  if (!dn.startsWith('/')) throw new Error(`a DN in slash form starts with "/": ${dn}`);
  const tokens = tokenize(dn.slice(1));
  const rdns: Buffer[] = [];
  let current: Buffer[] = [];
  for (const t of tokens) {
    current.push(encodeAttribute(t.text, dn));
    if (t.sep !== '+') {
      rdns.push(encodeSet(current));
      current = [];
    }
  }
  return encodeSequence(rdns);
}
