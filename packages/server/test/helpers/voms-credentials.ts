/**
 * VOMS credentials for a test grid site, as a grid site and its VO have them: a VOMS server
 * certificate issued by the site's CA, a `vomsdir/<vo>/<host>.lsc` naming it (subject line,
 * then its CA's), and VOMS proxies made by the real `voms-proxy-fake`. The hostile ones: a
 * second, untrusted "VOMS server" (its own CA, the trusted names copied) that signs ACs, and a
 * proxy carrying an AC whose holder is another user (taken from that user's VOMS proxy).
 */
import { createPrivateKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Certificate, VOMS_OID, generateKeyPair, issueCertificate, issueProxy, splitVomsAcs, toPem, writeProxyFile } from '@repoman/x509';
import { encodeSequence } from '../../../x509/src/der-writer.js';
import { SITE_ORG, type GridSite, type GridUser, type Party } from './grid-site.js';

export const VOMS_HOST = 'voms.example.org';
export const VOMS_DN = `${SITE_ORG}/CN=${VOMS_HOST}`;
const HOUR = 3600_000;

export interface VomsServerFiles {
  readonly cert: string;
  readonly key: string;
}

export interface VomsCredentials {
  /** The vomsdir holding `<vo>/voms.example.org.lsc` for each VO given. */
  readonly vomsdir: string;
  readonly trusted: VomsServerFiles;
  /** Signed by a CA the site does not trust, with the trusted server's and CA's names. */
  readonly rogue: VomsServerFiles;
  /** A VOMS proxy of `user` made by voms-proxy-fake (VO `vo`, FQANs, server, extra options). */
  proxy(user: GridUser, out: string, options: { vo: string; fqans: string[]; server?: VomsServerFiles; extra?: string[] }): string;
  /** A proxy of `user` carrying the first AC of `acSource` (a VOMS proxy of someone else). */
  proxyWithAcOf(user: GridUser, acSource: string, out: string): Promise<string>;
}

async function writeServer(dir: string, name: string, issuer: Party, now: number): Promise<VomsServerFiles> {
  const keys = generateKeyPair();
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  await writeFile(files.cert, toPem(issueCertificate({
    subject: VOMS_DN, publicKey: keys.publicKey, issuer, notBefore: new Date(now - HOUR), notAfter: new Date(now + 30 * 24 * HOUR),
    keyUsage: ['digitalSignature', 'keyEncipherment'], extKeyUsage: ['serverAuth', 'clientAuth'], dnsNames: [VOMS_HOST],
  })));
  await writeFile(files.key, toPem(keys.privateKey), { mode: 0o400 });
  return files;
}

export async function makeVomsCredentials(site: GridSite, vos: readonly string[]): Promise<VomsCredentials> {
  const dir = join(site.dir, 'voms');
  await mkdir(dir, { recursive: true });
  const now = Date.now();
  const trusted = await writeServer(dir, 'voms-server', site.ca, now);
  const rogueCaKeys = generateKeyPair();
  const rogueCa = issueCertificate({
    subject: site.ca.cert.subjectDn, publicKey: rogueCaKeys.publicKey, signingKey: rogueCaKeys.privateKey,
    notBefore: new Date(now - HOUR), notAfter: new Date(now + 30 * 24 * HOUR), ca: true, keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const rogue = await writeServer(dir, 'rogue-voms-server', { cert: rogueCa, key: rogueCaKeys.privateKey }, now);

  const vomsdir = join(dir, 'vomsdir');
  for (const vo of vos) {
    await mkdir(join(vomsdir, vo), { recursive: true });
    await writeFile(join(vomsdir, vo, `${VOMS_HOST}.lsc`), `${VOMS_DN}\n${site.ca.cert.subjectDn}\n`);
  }

  const proxy: VomsCredentials['proxy'] = (user, out, options) => {
    const server = options.server ?? trusted;
    site.gridTool(user, 'voms-proxy-fake', [
      '-q', '-rfc', '-cert', user.certPath, '-key', user.keyPath, '-hostcert', server.cert, '-hostkey', server.key,
      '-voms', options.vo, '-uri', `${VOMS_HOST}:15000`, ...options.fqans.flatMap((fqan) => ['-fqan', fqan]), ...(options.extra ?? []), '-out', out,
    ]);
    return out;
  };

  const proxyWithAcOf: VomsCredentials['proxyWithAcOf'] = async (user, acSource, out) => {
    const [sourceLeaf] = Certificate.fromPem(await readFile(acSource, 'utf8'));
    const extension = sourceLeaf?.extension(VOMS_OID.acSequence) as { value: Buffer } | undefined;
    if (extension === undefined) throw new Error(`${acSource} carries no VOMS AC`);
    const ac = splitVomsAcs(extension.value)[0] as Buffer;
    const eec = Certificate.fromPem(await readFile(user.certPath, 'utf8'))[0] as Certificate;
    const key = createPrivateKey(await readFile(user.keyPath, 'utf8'));
    const stolen = issueProxy({
      issuerCert: eec, issuerKey: key, lifetimeSeconds: 3600,
      extensions: [{ oid: VOMS_OID.acSequence, critical: false, value: encodeSequence([encodeSequence([ac])]) }],
    });
    await writeProxyFile(out, stolen, [eec]);
    return out;
  };

  return { vomsdir, trusted, rogue, proxy, proxyWithAcOf };
}
