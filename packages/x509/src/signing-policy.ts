/**
 * Globus `.signing_policy` files (EACL format) of a grid CA directory:
 *
 *   access_id_CA   X509   '/C=CA/O=Grid/CN=Grid CA'
 *   pos_rights     globus CA:sign
 *   cond_subjects  globus '"/C=CA/O=Grid/*" "/C=CA/O=Other/CN=?*"'
 *
 * A CA named by an access_id_CA line may only sign subjects matching one of the patterns of
 * its blocks that grant `CA:sign` (`*` any run of characters, `?` one character, compared
 * case-sensitively against the OpenSSL slash form). A block without that right allows nothing.
 */

/** Allowed subject patterns per CA DN (slash form). */
export type SigningPolicies = Map<string, RegExp[]>;

function tokenizeLine(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      break;
    } else if (c === "'" || c === '"') {
      let tok = '';
      i++;
      while (i < line.length && line[i] !== c) {
        if (line[i] === '\\' && line[i + 1] === c) i++;
        tok += line[i];
        i++;
      }
      i++;
      tokens.push(tok);
    } else {
      let tok = '';
      while (i < line.length && !/\s/.test(line[i] as string)) tok += line[i++];
      tokens.push(tok);
    }
  }
  return tokens;
}

function patternsOf(value: string): string[] {
  const quoted = [...value.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
  return quoted.length > 0 ? quoted : value.split(/\s+/).filter((s) => s.length > 0);
}

/** Turns a signing-policy subject pattern into an anchored regular expression. */
export function policyPattern(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : '\\' + ch));
  return new RegExp(`^${body}$`, 's');
}

/** Parses one file's text and adds its rules to `into` (several files may name one CA). */
export function parseSigningPolicy(text: string, into: SigningPolicies = new Map()): SigningPolicies {
  let cas: string[] = [];
  let lastWasAccess = false;
  let grants = false;
  for (const line of text.split(/\r?\n/)) {
    const [keyword, authority, value] = tokenizeLine(line);
    if (!keyword) continue;
    if (keyword.startsWith('access_id_')) {
      if (!lastWasAccess) cas = [];
      grants = false;
      if (keyword === 'access_id_CA' && authority === 'X509' && value) {
        cas.push(value);
        if (!into.has(value)) into.set(value, []);
      }
      lastWasAccess = true;
      continue;
    }
    lastWasAccess = false;
    if (keyword === 'pos_rights' && authority === 'globus') {
      grants = tokenizeLine(line).slice(2).includes('CA:sign');
    } else if (keyword === 'cond_subjects' && authority === 'globus' && value !== undefined && grants) {
      for (const ca of cas) into.get(ca)?.push(...patternsOf(value).map(policyPattern));
    }
  }
  return into;
}

/** Whether `policies` lets the CA named `caDn` sign `subjectDn`; true when it has no rules. */
export function policyAllows(policies: SigningPolicies, caDn: string, subjectDn: string): boolean {
  const rules = policies.get(caDn);
  return rules === undefined || rules.some((re) => re.test(subjectDn));
}
