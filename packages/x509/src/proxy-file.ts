/**
 * Writing a grid proxy file in the layout grid-proxy-init uses (and curl, wget and the grid
 * tools read as is): the proxy certificate, its unencrypted private key, then the issuer
 * chain (the EEC, and any proxies between), created with mode 0600 and replaced atomically.
 */
import { chmod, open, rename, rm } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import type { Certificate } from './certificate.js';
import { toPem } from './to-pem.js';

export async function writeProxyFile(path: string, proxy: { cert: Certificate; key: KeyObject }, chain: Certificate[]): Promise<void> {
  const text = toPem(proxy.cert) + toPem(proxy.key) + chain.map((c) => toPem(c)).join('');
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
