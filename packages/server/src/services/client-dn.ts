/**
 * Rules for the DNs users are registered with: the grid's OpenSSL slash form
 * (`/C=CA/O=Grid/OU=uvic.ca/CN=Bob Smith`), as `grid-proxy-info -identity` prints it. The DN is
 * stored and compared exactly as given, never truncated: a DN with several CNs of its own
 * (`…/CN=doug/CN=612345/CN=Doug Fir`) is one identity, distinct from `…/CN=doug`.
 */
import { RepomanError } from './repoman-error.js';

const MAX_DN_LENGTH = 1024;

export function checkClientDn(dn: string): void {
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/;
  const wellFormed = /^\/[A-Za-z][A-Za-z0-9.]*=[^/]/;
  if (dn.length === 0 || dn.length > MAX_DN_LENGTH || control.test(dn) || !wellFormed.test(dn)) {
    throw new RepomanError(
      'BAD_REQUEST',
      'client_dn must be a DN in OpenSSL slash form, e.g. "/C=CA/O=Grid/OU=uvic.ca/CN=Bob Smith" (see grid-proxy-info -identity)',
    );
  }
}

/** The value of the last CN of a DN, or null (used to name users bootstrapped from `[admin] dns`). */
export function lastCommonName(dn: string): string | null {
  const matches = [...dn.matchAll(/\/CN=([^/]*)/g)];
  return matches.at(-1)?.[1] ?? null;
}
