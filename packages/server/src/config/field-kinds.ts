/**
 * The kinds of value a configuration key can hold (string, port, boolean, string list, …).
 * Each kind says in words what it expects, checks a value read from TOML, and coerces the text
 * of a `REPOMAN_<SECTION>_<KEY>` environment variable: integers from decimal digits, booleans
 * from true/false/1/0/yes/no/on/off, lists from a JSON array or a comma-separated list.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false };

export interface FieldKind<T> {
  /** What the key expects, for messages: "an integer 0..65535". */
  readonly expected: string;
  /** Checks a value as read from TOML. */
  fromToml(value: unknown): Parsed<T>;
  /** Coerces the text of an environment variable. */
  fromEnv(text: string): Parsed<T>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad: Parsed<never> = { ok: false };

export function stringKind(): FieldKind<string> {
  return {
    expected: 'a string',
    fromToml: (value) => (typeof value === 'string' ? ok(value) : bad),
    fromEnv: (text) => ok(text),
  };
}

/** A string where "" means "not set" (null). */
export function optionalStringKind(): FieldKind<string | null> {
  return {
    expected: 'a string',
    fromToml: (value) => (typeof value === 'string' ? ok(value === '' ? null : value) : bad),
    fromEnv: (text) => ok(text === '' ? null : text),
  };
}

export function integerKind(min: number, max: number): FieldKind<number> {
  const check = (n: number): Parsed<number> =>
    Number.isSafeInteger(n) && n >= min && n <= max ? ok(n) : bad;
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
  return {
    expected: `an integer ${range}`,
    fromToml: (value) => (typeof value === 'number' ? check(value) : bad),
    fromEnv: (text) => (/^\s*-?\d+\s*$/.test(text) ? check(Number(text)) : bad),
  };
}

export function portKind(): FieldKind<number> {
  return integerKind(0, 65535);
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export function booleanKind(): FieldKind<boolean> {
  return {
    expected: 'a boolean',
    fromToml: (value) => (typeof value === 'boolean' ? ok(value) : bad),
    fromEnv: (text) => {
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return ok(true);
      if (FALSE_WORDS.has(word)) return ok(false);
      return bad;
    },
  };
}

export function enumKind<T extends string>(values: readonly T[]): FieldKind<T> {
  const check = (value: unknown): Parsed<T> =>
    typeof value === 'string' && (values as readonly string[]).includes(value) ? ok(value as T) : bad;
  return {
    expected: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
    fromToml: check,
    fromEnv: (text) => check(text.trim()),
  };
}

/** A list of strings; from the environment as a JSON array or a comma-separated list. */
export function stringListKind(): FieldKind<readonly string[]> {
  const check = (value: unknown): Parsed<readonly string[]> =>
    Array.isArray(value) && value.every((item) => typeof item === 'string') ? ok([...value] as string[]) : bad;
  return {
    expected: 'a list of strings',
    fromToml: check,
    fromEnv: (text) => {
      const trimmed = text.trim();
      if (trimmed.startsWith('[')) {
        try {
          return check(JSON.parse(trimmed));
        } catch {
          return bad;
        }
      }
      return ok(trimmed.split(',').map((item) => item.trim()).filter((item) => item !== ''));
    },
  };
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as "60s", "500ms", "5m", "24h" (a bare integer: seconds), as milliseconds >= 1. */
export function durationKind(): FieldKind<number> {
  const parse = (text: string): Parsed<number> => {
    const match = /^\s*(\d+)\s*(ms|s|m|h|d)?\s*$/.exec(text);
    const ms = match === null ? NaN : Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? 's'] ?? NaN);
    return Number.isSafeInteger(ms) && ms >= 1 ? ok(ms) : bad;
  };
  return {
    expected: 'a duration such as "60s", "500ms", "5m" or "24h"',
    fromToml: (value) => (typeof value === 'string' ? parse(value) : typeof value === 'number' ? parse(String(value)) : bad),
    fromEnv: parse,
  };
}
