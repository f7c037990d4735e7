/**
 * FQANs and the patterns groups list (SPEC §2.1). An FQAN is `/vo[/subgroup…][/Role=r][/Capability=c]`;
 * `Role=NULL` and `Capability=NULL` mean "none" and are normalised away before any comparison,
 * so `/atlas/Role=NULL/Capability=NULL` is `/atlas`. A pattern without a role (`/atlas`)
 * matches its group and every subgroup and role below it; a pattern with a role
 * (`/atlas/Role=production`) matches exactly that group and role.
 */
import { RepomanError } from './repoman-error.js';

interface Fqan {
  /** `/atlas/higgs`. */
  readonly group: string;
  /** `production`, or null when the FQAN has no role (or Role=NULL). */
  readonly role: string | null;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Parses an FQAN or pattern; null when it is not one. */
function parse(text: string): Fqan | null {
  if (!text.startsWith('/')) return null;
  const parts = text.slice(1).split('/');
  const groups: string[] = [];
  let role: string | null = null;
  let capability = false;
  for (const part of parts) {
    const attribute = /^(Role|Capability)=(.+)$/.exec(part);
    if (attribute === null) {
      if (role !== null || capability || !SEGMENT.test(part)) return null;
      groups.push(part);
    } else if (attribute[1] === 'Role') {
      if (role !== null || capability || !SEGMENT.test(attribute[2] as string)) return null;
      role = attribute[2] as string;
    } else {
      if (capability) return null;
      capability = true;
    }
  }
  if (groups.length === 0) return null;
  return { group: `/${groups.join('/')}`, role: role === 'NULL' ? null : role };
}

/** The FQAN without its `Role=NULL` and `Capability` parts, e.g. `/atlas/Role=production`; the text as is when it is no FQAN. */
export function normaliseFqan(fqan: string): string {
  const parsed = parse(fqan);
  if (parsed === null) return fqan;
  return parsed.role === null ? parsed.group : `${parsed.group}/Role=${parsed.role}`;
}

/** Checks and normalises the patterns of a group (400 BAD_REQUEST for one that is not an FQAN); duplicates dropped. */
export function checkFqanPatterns(patterns: readonly string[]): string[] {
  const normalised: string[] = [];
  for (const pattern of patterns) {
    if (parse(pattern) === null) {
      throw new RepomanError(
        'BAD_REQUEST',
        `${JSON.stringify(pattern)} is not an FQAN pattern: give a VO group such as /atlas or /atlas/higgs, or a role such as /atlas/Role=production`,
      );
    }
    const fqan = normaliseFqan(pattern);
    if (!normalised.includes(fqan)) normalised.push(fqan);
  }
  return normalised;
}

/** Whether the trusted `fqan` matches the group's `pattern` (see the header). */
export function fqanMatches(pattern: string, fqan: string): boolean {
  const p = parse(pattern);
  const f = parse(fqan);
  if (p === null || f === null) return false;
  if (p.role !== null) return f.group === p.group && f.role === p.role;
  return f.group === p.group || f.group.startsWith(`${p.group}/`);
}

/** Whether any of the trusted FQANs matches any of the patterns. */
export function anyFqanMatches(patterns: readonly string[], fqans: readonly string[]): boolean {
  return patterns.some((pattern) => fqans.some((fqan) => fqanMatches(pattern, fqan)));
}
