/**
 * Signs HEPiX image lists with the server's host certificate (the TLS one) as the endorser:
 * S/MIME, detached, text mode, sha256, signer certificate included — what vmcatcher,
 * cloudkeeper and atrope check with `openssl smime -verify`. The signature is made by the
 * `openssl smime -sign` program (the same OpenSSL the subscribers verify with, and no
 * dependency to keep). `loadImageListSigner` runs at server start: it reads the certificate
 * and the key, checks that they belong together, and signs a probe, so that an unreadable or
 * wrong key stops the start with a clear message rather than failing the first subscriber; a
 * certificate subscribers would refuse to trust for signing is reported (`warning`).
 */
import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Certificate } from '@repoman/x509';

export interface ImageListSigner {
  /** The endorser: the host certificate's subject and issuer, in the grid's slash form (hv:dn, hv:ca). */
  readonly dn: string;
  readonly ca: string;
  /** Why subscribers would refuse its signatures, or null (see `smimeSigningProblem`). */
  readonly warning: string | null;
  /** The S/MIME message of `text`, signed. */
  sign(text: string): Promise<string>;
}

export interface SignerFiles {
  readonly cert: string;
  readonly key: string;
}

/** Runs `openssl smime -sign` on `text`; rejects with what openssl said. */
function opensslSign(files: SignerFiles, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['smime', '-sign', '-md', 'sha256', '-signer', files.cert, '-inkey', files.key], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error) => reject(new Error(`cannot run openssl: ${error.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`openssl smime -sign failed: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`));
    });
    child.stdin.on('error', () => {}); // openssl exiting early is reported by 'close'
    child.stdin.end(text);
  });
}

const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/**
 * Why `openssl smime -verify` (its default S/MIME signing purpose, as vmcatcher, cloudkeeper
 * and atrope use it) would refuse a signature by `certificate`, or null: an extended key usage
 * without emailProtection, or a key usage without digitalSignature or nonRepudiation.
 */
export function smimeSigningProblem(certificate: Certificate): string | null {
  const eku = certificate.extKeyUsage;
  if (eku !== undefined && !eku.includes(EMAIL_PROTECTION) && !eku.includes(ANY_EXTENDED_KEY_USAGE)) {
    return `the host certificate's extended key usage lacks emailProtection, so openssl smime -verify (vmcatcher, cloudkeeper, atrope) refuses the image lists it signs ("unsuitable certificate purpose") unless the subscriber passes -purpose any`;
  }
  const ku = certificate.keyUsage;
  if (ku !== undefined && !ku.includes('digitalSignature') && !ku.includes('nonRepudiation')) {
    return `the host certificate's key usage allows neither digitalSignature nor nonRepudiation, so subscribers refuse the image lists it signs`;
  }
  return null;
}

function explain(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function loadImageListSigner(files: SignerFiles): Promise<ImageListSigner> {
  const problem = (what: string) => new Error(`image lists: ${what}; image lists are signed with the host certificate and key ([tls] cert and key), which the server must be able to read`);
  let certificate: Certificate;
  try {
    const found = Certificate.fromPem(await readFile(files.cert, 'utf8'));
    if (found[0] === undefined) throw new Error('no certificate in it');
    certificate = found[0];
  } catch (error) {
    throw problem(`cannot read the host certificate ${files.cert}: ${explain(error)}`);
  }
  try {
    const key = createPrivateKey(await readFile(files.key));
    if (!certificate.x509.checkPrivateKey(key)) throw new Error(`it is not the key of ${certificate.subjectDn}`);
  } catch (error) {
    throw problem(`cannot use the host key ${files.key}: ${explain(error)}`);
  }
  try {
    await opensslSign(files, 'probe\n');
  } catch (error) {
    throw problem(explain(error));
  }
  return { dn: certificate.subjectDn, ca: certificate.issuerDn, warning: smimeSigningProblem(certificate), sign: (text) => opensslSign(files, text) };
}
