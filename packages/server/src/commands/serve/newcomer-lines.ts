/**
 * The lines `serve` prints once listening with the development PKI: where the PKI is, how
 * to call the server as its admin with curl and with `repoman`, and how to log in to the web
 * UI with the admin's PKCS#12 certificate and its password. They are meant to be pasted
 * as they are (the embedded-default end-to-end test does exactly that).
 */
import type { DevPki } from './dev-pki.js';

export function printNewcomerLines(pki: DevPki, url: string, notice: (line: string) => void): void {
  notice(`repoman-server: development PKI in ${pki.caDir.replace(/\/certificates$/, '')} (admin: ${pki.adminDn})`);
  // Everything the client needs (SPEC §4: the server, the proxy, the CA directory), so that the
  // pasted lines are enough for curl and for `repoman` alike.
  notice('To call it as the admin:');
  notice(`  export REPOMAN_SERVER=${shellWord(url)} X509_USER_PROXY=${shellWord(pki.adminProxy)} X509_CERT_DIR=${shellWord(pki.caDir)}`);
  notice('  curl --capath "$X509_CERT_DIR" --cert "$X509_USER_PROXY" --key "$X509_USER_PROXY" "$REPOMAN_SERVER/api/whoami"');
  notice('  npx repoman whoami    # in this checkout; `repoman whoami` once the client is installed');
  notice(`To log in to the web UI at ${url}/ as the admin: import ${pki.adminP12} (password: ${pki.adminP12Password})`);
  notice('  into the browser (Settings → Privacy and security → Certificates → Import), then open the page and choose it.');
}

/** A path or URL as one shell word, quoted only when it needs to be, so the printed lines paste as they are. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
