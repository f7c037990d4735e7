/**
 * Distinguished names as the grid writes them: the OpenSSL "slash" one-line form
 * (`/DC=ch/DC=cern/OU=Users/CN=doug/CN=612345`), byte-equal to what
 * `openssl x509 -noout -subject -nameopt compat` prints (OpenSSL's X509_NAME_oneline:
 * short attribute names, `+` between the members of a multi-valued RDN, `/` and `+` in values
 * escaped with a backslash, bytes outside printable ASCII written as `\xHH`). Names are read
 * from their exact DER so that the text and the proxy-name comparison use the signed bytes.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Name } from '@peculiar/asn1-x509';
import { attributeName } from './attribute-names.js';
import { DerError, TAG, decodeOid, readChildren, readOnly } from './der-reader.js';

/** One attribute of an RDN, with its value's string tag and raw content bytes. */
export interface RdnAttribute {
  /** Dotted OID of the attribute type. */
  oid: string;
  /** OpenSSL's short name (`CN`, `DC`, `emailAddress`...) or the dotted OID. */
  name: string;
  /** ASN.1 tag of the value (0x13 PrintableString, 0x0c UTF8String...). */
  tag: number;
  /** The value's content bytes as encoded. */
  raw: Buffer;
  /** The value decoded to text (UTF-8, BMP and Universal strings decoded; others as Latin-1). */
  value: string;
}

/** One relative distinguished name: its exact DER (a SET) and its attributes. */
export interface Rdn {
  der: Buffer;
  attributes: RdnAttribute[];
}

function decodeValue(tag: number, raw: Buffer): string {
  switch (tag) {
    case TAG.UTF8_STRING:
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.VISIBLE_STRING:
      return raw.toString('utf8');
    case TAG.BMP_STRING: {
      const swapped = Buffer.from(raw.subarray(0, raw.length & ~1));
      return swapped.swap16().toString('utf16le');
    }
    case TAG.UNIVERSAL_STRING: {
      let s = '';
      for (let i = 0; i + 4 <= raw.length; i += 4) s += String.fromCodePoint(Math.min(raw.readUInt32BE(i), 0x10ffff));
      return s;
    }
    default:
      return raw.toString('latin1');
  }
}

/** Splits the DER of a Name (a SEQUENCE OF SET OF AttributeTypeAndValue) into RDNs. */
export function parseRdns(nameDer: Buffer): Rdn[] {
  const seq = readOnly(nameDer, TAG.SEQUENCE);
  return readChildren(seq).map((set) => {
    if (set.tag !== TAG.SET) throw new DerError('an RDN must be a SET');
    const attributes = readChildren(set).map((atv) => {
      if (atv.tag !== TAG.SEQUENCE) throw new DerError('an attribute must be a SEQUENCE');
      const [type, value, extra] = readChildren(atv);
      if (!type || !value || extra || type.tag !== TAG.OID) throw new DerError('bad AttributeTypeAndValue');
      const oid = decodeOid(type.content);
      return { oid, name: attributeName(oid), tag: value.tag, raw: value.content, value: decodeValue(value.tag, value.content) };
    });
    if (attributes.length === 0) throw new DerError('empty RDN');
    return { der: set.bytes, attributes };
  });
}

function escapeValue(tag: number, raw: Buffer): string {
  // X509_NAME_oneline prints a GeneralString whose bytes are zero except every fourth one
  // (a UCS-4 value in disguise) as those fourth bytes only.
  let keep = (_i: number): boolean => true;
  if (tag === TAG.GENERAL_STRING && raw.length % 4 === 0) {
    const nonZero = [false, false, false, false];
    raw.forEach((b, i) => {
      if (b !== 0) nonZero[i & 3] = true;
    });
    if (!nonZero[0] && !nonZero[1] && !nonZero[2]) keep = (i) => (i & 3) === 3;
  }
  let out = '';
  raw.forEach((b, i) => {
    if (!keep(i)) return;
    if (b < 0x20 || b > 0x7e) out += '\\x' + b.toString(16).toUpperCase().padStart(2, '0');
    else out += (b === 0x2f || b === 0x2b ? '\\' : '') + String.fromCharCode(b);
  });
  return out;
}

/** Formats RDNs in the OpenSSL slash form. */
export function formatRdns(rdns: readonly Rdn[]): string {
  return rdns
    .map((rdn) => rdn.attributes.map((a, i) => `${i === 0 ? '/' : '+'}${a.name}=${escapeValue(a.tag, a.raw)}`).join(''))
    .join('');
}

/**
 * The OpenSSL slash form of a name: an `@peculiar/asn1-x509` Name, or the DER of a Name.
 * Throws on a malformed name.
 */
export function formatDn(name: Name | Buffer | Uint8Array): string {
  const der = name instanceof Name ? Buffer.from(AsnConvert.serialize(name)) : Buffer.from(name);
  return formatRdns(parseRdns(der));
}
