/**
 * Writes a PKCS#12 file (RFC 7292) holding one certificate and its private key, as browsers
 * import it to log in with a certificate: the key in a pkcs8ShroudedKeyBag (PBES2, PBKDF2 with
 * HMAC-SHA256, AES-256-CBC, as Node exports encrypted PKCS#8), the certificate in a certBag,
 * both named by a friendlyName and tied by a localKeyId, and an HMAC-SHA256 integrity MAC
 * keyed by the PKCS#12 key derivation (appendix B). This is what `openssl pkcs12 -export`
 * writes by default with OpenSSL 3, and what Chromium's and Firefox's NSS import.
 */
import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import type { Certificate } from './certificate.js';
import { TAG } from './der-reader.js';
import { encodeElement, encodeInteger, encodeOid, encodeSequence, encodeSet } from './der-writer.js';

const OIDS = {
  data: '1.2.840.113549.1.7.1',
  keyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  sha256: '2.16.840.1.101.3.4.2.1',
};
const MAC_ITERATIONS = 2048;

const octets = (bytes: Buffer) => encodeElement(TAG.OCTET_STRING, bytes);
const explicit0 = (inner: Buffer) => encodeElement(0xa0, inner);
const dataContent = (inner: Buffer) => encodeSequence([encodeOid(OIDS.data), explicit0(octets(inner))]);
/** UTF-16BE (BMPString), the PKCS#12 form of names and, with two zero bytes added, of the MAC password. */
const bmp = (text: string) => Buffer.from(text, 'utf16le').swap16();

export interface Pkcs12Options {
  readonly cert: Certificate;
  readonly key: KeyObject;
  /** The password the browser asks for on import (not empty: NSS treats empty ones inconsistently). */
  readonly password: string;
  /** The name the browser lists the certificate under. */
  readonly friendlyName: string;
}

/** The DER bytes of a `.p12` file with `cert` and `key`. */
export function toPkcs12(options: Pkcs12Options): Buffer {
  if (options.password === '') throw new Error('a PKCS#12 password may not be empty');
  const localKeyId = createHash('sha1').update(options.cert.der).digest();
  const attributes = encodeSet([
    encodeSequence([encodeOid(OIDS.friendlyName), encodeSet([encodeElement(0x1e, bmp(options.friendlyName))])]),
    encodeSequence([encodeOid(OIDS.localKeyId), encodeSet([octets(localKeyId)])]),
  ]);
  const shroudedKey = options.key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: options.password });
  const keyBag = encodeSequence([encodeOid(OIDS.keyBag), explicit0(shroudedKey), attributes]);
  const certBag = encodeSequence([
    encodeOid(OIDS.certBag),
    explicit0(encodeSequence([encodeOid(OIDS.x509Certificate), explicit0(octets(options.cert.der))])),
    attributes,
  ]);
  const authenticatedSafe = encodeSequence([dataContent(encodeSequence([certBag, keyBag]))]);

  const salt = randomBytes(16);
  const macKey = pkcs12Kdf(options.password, salt, MAC_ITERATIONS);
  const mac = createHmac('sha256', macKey).update(authenticatedSafe).digest();
  const macData = encodeSequence([
    encodeSequence([encodeSequence([encodeOid(OIDS.sha256), encodeElement(TAG.NULL, Buffer.alloc(0))]), octets(mac)]),
    octets(salt),
    encodeInteger(MAC_ITERATIONS),
  ]);
  return encodeSequence([encodeInteger(3), dataContent(authenticatedSafe), macData]);
}

/** RFC 7292 appendix B.2 with SHA-256 (u = 32, v = 64), ID 3 (MAC key), 32 bytes out. */
function pkcs12Kdf(password: string, salt: Buffer, iterations: number): Buffer {
  const u = 32;
  const v = 64;
  const fill = (bytes: Buffer) => {
    const length = v * Math.ceil(bytes.length / v);
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = bytes[i % bytes.length] as number;
    return out;
  };
  const D = Buffer.alloc(v, 3);
  const I = Buffer.concat([fill(salt), fill(Buffer.concat([bmp(password), Buffer.alloc(2)]))]);
  let A = createHash('sha256').update(Buffer.concat([D, I])).digest();
  for (let i = 1; i < iterations; i++) A = createHash('sha256').update(A).digest();
  return A.subarray(0, u);
}
