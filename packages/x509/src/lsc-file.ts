/**
 * VOMS `.lsc` files (`vomsdir/<vo>/<host>.lsc`): the DN chain a VOMS server's certificate must
 * have, one DN per line in OpenSSL slash form: the server's subject, then its issuer (the CA),
 * then that CA's issuer and so on. Lines starting with `#` are comments; a line starting with
 * `-` (`------ NEXT CHAIN ------`) separates alternative chains, as when a server renews its
 * certificate under another CA. DNs are compared in OpenSSL's canonical form (case and
 * spacing of values do not matter), exactly as certificates' issuer fields are matched.
 */
import type { Certificate } from './certificate.js';
import { parseRdns } from './distinguished-name.js';
import { parseDn } from './parse-dn.js';
import { canonicalName } from './subject-hash.js';

/** One alternative chain: the DN lines and their canonical keys (undefined: unparsable line). */
export interface LscChain {
  dns: string[];
  keys: (string | undefined)[];
}

function canonicalKey(dn: string): string | undefined {
  try {
    return canonicalName(parseRdns(parseDn(dn))).toString('hex');
  } catch {
    return undefined;
  }
}

/** Parses the text of an `.lsc` file into its alternative chains (empty ones dropped). */
export function parseLscFile(text: string): LscChain[] {
  const chains: LscChain[] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.length > 0) chains.push({ dns: current, keys: current.map(canonicalKey) });
    current = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('-')) flush();
    else current.push(line);
  }
  flush();
  return chains;
}

/**
 * Whether `certs` (VOMS server first, each issued by the next) has the DN chain of one
 * alternative, line by line: line 0 is the server's subject, line i+1 the issuer of
 * certificate i. A file of n lines describes the first n-1 certificates (usually 2 lines for
 * the one server certificate an AC carries).
 */
export function lscMatches(chains: readonly LscChain[], certs: readonly Certificate[]): boolean {
  return chains.some((chain) => {
    const described = chain.keys.length - 1;
    if (described < 1 || described > certs.length) return false;
    if (chain.keys[0] !== (certs[0] as Certificate).subjectKey) return false;
    return certs.slice(0, described).every((c, i) => chain.keys[i + 1] === c.issuerKey);
  });
}
