/**
 * OpenSSL's canonical form of a name and the hash derived from it (X509_NAME_hash_ex, the
 * "new style" hash that names `<hash>.0` files in a grid CA directory and that
 * `openssl x509 -hash` prints). The canonical form is also how names are matched when a path
 * is built (issuer field against subject), exactly as OpenSSL's X509_NAME_cmp does: string
 * values converted to UTF-8, trimmed, inner whitespace collapsed, ASCII lower-cased.
 */
import { createHash } from 'node:crypto';
import type { Rdn } from './distinguished-name.js';
import { TAG } from './der-reader.js';
import { encodeElement, encodeSequence, encodeSet } from './der-writer.js';
import { encodeOid } from './der-writer.js';

const CANON_TAGS: ReadonlySet<number> = new Set([
  TAG.UTF8_STRING,
  TAG.BMP_STRING,
  TAG.UNIVERSAL_STRING,
  TAG.PRINTABLE_STRING,
  TAG.T61_STRING,
  TAG.IA5_STRING,
  TAG.VISIBLE_STRING,
]);

function toUtf8(tag: number, raw: Buffer): Buffer {
  switch (tag) {
    case TAG.UTF8_STRING:
      return raw;
    case TAG.BMP_STRING:
      return Buffer.from(Buffer.from(raw.subarray(0, raw.length & ~1)).swap16().toString('utf16le'), 'utf8');
    case TAG.UNIVERSAL_STRING: {
      let s = '';
      for (let i = 0; i + 4 <= raw.length; i += 4) s += String.fromCodePoint(Math.min(raw.readUInt32BE(i), 0x10ffff));
      return Buffer.from(s, 'utf8');
    }
    default: // one byte per character, read as Latin-1
      return Buffer.from(raw.toString('latin1'), 'utf8');
  }
}

const isSpace = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d);

function canonValue(tag: number, raw: Buffer): Buffer {
  const utf8 = toUtf8(tag, raw);
  let start = 0;
  let end = utf8.length;
  while (start < end && isSpace(utf8[start] as number)) start++;
  while (end > start && isSpace(utf8[end - 1] as number)) end--;
  const out: number[] = [];
  for (let i = start; i < end; ) {
    const b = utf8[i] as number;
    if (b >= 0x80) {
      out.push(b);
      i++;
    } else if (isSpace(b)) {
      out.push(0x20);
      while (i < end && isSpace(utf8[i] as number)) i++;
    } else {
      out.push(b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
      i++;
    }
  }
  return Buffer.from(out);
}

/** The canonical encoding of a name: the concatenated canonical RDN SETs. */
export function canonicalName(rdns: readonly Rdn[]): Buffer {
  return Buffer.concat(
    rdns.map((rdn) =>
      encodeSet(
        rdn.attributes.map((a) => {
          const value = CANON_TAGS.has(a.tag)
            ? encodeElement(TAG.UTF8_STRING, canonValue(a.tag, a.raw))
            : encodeElement(a.tag, a.raw);
          return encodeSequence([encodeOid(a.oid), value]);
        }),
      ),
    ),
  );
}

/** OpenSSL's X509_NAME_hash_ex of a name given as RDNs: 8 lower-case hex digits. */
export function nameHash(rdns: readonly Rdn[]): string {
  const md = createHash('sha1').update(canonicalName(rdns)).digest();
  return md.readUInt32LE(0).toString(16).padStart(8, '0');
}

/** The hash of a certificate's subject, as `openssl x509 -hash -noout` prints it. */
export function subjectHash(cert: { subjectRdns: readonly Rdn[] }): string {
  return nameHash(cert.subjectRdns);
}
