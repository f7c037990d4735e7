/**
 * Key pairs for issued certificates and proxies: RSA, as grid-proxy-init makes them
 * (2048 bits by default).
 */
import { type KeyObject, generateKeyPairSync } from 'node:crypto';

export function generateKeyPair(bits = 2048): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
}
