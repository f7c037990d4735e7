/**
 * PEM text of a certificate (`CERTIFICATE`), a CRL (`X509 CRL`) or a key: a private RSA key is
 * written unencrypted in PKCS#1 (`RSA PRIVATE KEY`, as voms-proxy-init writes proxy keys),
 * other private keys in PKCS#8 (`PRIVATE KEY`), public keys as `PUBLIC KEY`.
 */
import type { KeyObject } from 'node:crypto';
import { Certificate } from './certificate.js';
import { Crl } from './crl.js';
import { pemBlock } from './pem.js';

export function toPem(item: Certificate | Crl | KeyObject): string {
  if (item instanceof Certificate) return pemBlock(item.der, 'CERTIFICATE');
  if (item instanceof Crl) return pemBlock(item.der, 'X509 CRL');
  if (item.type === 'private') {
    if (item.asymmetricKeyType === 'rsa') return item.export({ type: 'pkcs1', format: 'pem' }).toString();
    return item.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  if (item.type === 'public') return item.export({ type: 'spki', format: 'pem' }).toString();
  throw new Error('toPem: a secret key has no PEM form here');
}
