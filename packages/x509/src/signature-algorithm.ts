/**
 * Signature algorithms by OID: verifying a signature over exact to-be-signed bytes (used for
 * CRLs; certificates are verified by node:crypto's X509Certificate) and choosing the
 * algorithm to sign with for a given private key when issuing. MD5 and unknown algorithms
 * never verify.
 */
import { type KeyObject, constants, sign, verify } from 'node:crypto';
import { TAG, decodeInteger, decodeOid, readChildren, readElement, readOnly } from './der-reader.js';

const HASH_OF: Readonly<Record<string, string | null>> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha1',
  '2.16.840.1.101.3.4.3.2': 'sha256',
  '1.3.101.112': null, // Ed25519
  '1.3.101.113': null, // Ed448
};

const DIGEST_OIDS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const RSA_PSS = '1.2.840.113549.1.1.10';

/** RSASSA-PSS parameters: hash (default SHA-1) and salt length (default 20). */
function pssParams(params: Buffer | undefined): { hash: string; saltLength: number } {
  let hash = 'sha1';
  let saltLength = 20;
  if (params && params.length > 0) {
    for (const field of readChildren(readOnly(params, TAG.SEQUENCE))) {
      const inner = readElement(field.content);
      if (field.tag === 0xa0) {
        const oid = decodeOid((readChildren(inner)[0] ?? inner).content);
        hash = DIGEST_OIDS[oid] ?? 'unknown';
      } else if (field.tag === 0xa2) {
        saltLength = Number(decodeInteger(inner.content));
      }
    }
  }
  return { hash, saltLength };
}

/**
 * True when `signature` over `tbs` verifies with `key` under the algorithm `oid`
 * (with its DER `params`). Never throws.
 */
export function verifySignature(tbs: Buffer, oid: string, params: Buffer | undefined, signature: Buffer, key: KeyObject): boolean {
  try {
    if (oid === RSA_PSS) {
      const { hash, saltLength } = pssParams(params);
      return verify(hash, tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
    }
    if (!(oid in HASH_OF)) return false;
    return verify(HASH_OF[oid] ?? null, tbs, key, signature);
  } catch {
    return false;
  }
}

/** The algorithm to sign with for a private key, as OID and DER parameters. */
export interface SigningAlgorithm {
  oid: string;
  /** DER of the AlgorithmIdentifier parameters, absent for ECDSA and EdDSA. */
  params?: Buffer;
  hash: string | null;
}

export function signingAlgorithmFor(key: KeyObject): SigningAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { oid: '1.2.840.113549.1.1.11', params: Buffer.from([TAG.NULL, 0]), hash: 'sha256' };
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return { oid: '1.2.840.10045.4.3.3', hash: 'sha384' };
      if (curve === 'secp521r1') return { oid: '1.2.840.10045.4.3.4', hash: 'sha512' };
      return { oid: '1.2.840.10045.4.3.2', hash: 'sha256' };
    }
    case 'ed25519':
      return { oid: '1.3.101.112', hash: null };
    default:
      throw new Error(`cannot sign with a ${key.asymmetricKeyType ?? 'unknown'} key`);
  }
}

/** Signs `tbs` with `key` under `alg`. */
export function signBytes(tbs: Buffer, alg: SigningAlgorithm, key: KeyObject): Buffer {
  return sign(alg.hash, tbs, key);
}
