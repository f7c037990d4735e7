/**
 * Parsers for option values, each throwing `UsageError` with a line that says what is
 * expected: sizes with K M G T suffixes (powers of 1024), yes/no booleans, expiry times,
 * lifetimes in seconds, comma-separated lists, whole numbers, disk formats, and the IMAGE argument (`NAME` or
 * `OWNER/NAME`, or `--owner`).
 */
import { InvalidValueError } from '../wire/api-errors.js';
import type { DiskFormat } from '@repoman/api';
import { parseImageRef, type ImageRef } from '../wire/image-ref.js';
import { UsageError } from './cli-errors.js';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `512`, `10K`, `1.5G`, `2TiB`, `100MB` → bytes (K M G T are powers of 1024). */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!match) throw new UsageError(`"${text}" is not a size: give bytes or a number with K, M, G or T (e.g. 20G)`);
  const bytes = Number(match[1]) * (UNITS[(match[2] ?? '').toUpperCase()] ?? 1);
  if (!Number.isSafeInteger(Math.round(bytes))) throw new UsageError(`"${text}" is too large a size`);
  return Math.round(bytes);
}

const MAX_WHOLE = 2 ** 31 - 1;

/** `--min-disk 40` → 40: a whole number from 0 to 2^31-1 of `unit`. */
export function parseWhole(text: string, flag: string, unit: string): number {
  const value = /^\s*\d{1,10}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value <= MAX_WHOLE)) throw new UsageError(`${flag} takes a whole number of ${unit} from 0 to ${MAX_WHOLE}, not "${text}"`);
  return value;
}

/** `--version 3`, `rollback-image IMAGE 3` → 3: a version number from 1 (list-versions shows them). */
export function parseVersion(text: unknown, what: string): number {
  const value = typeof text === 'string' && /^\s*\d{1,10}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1 && value <= MAX_WHOLE)) throw new UsageError(`${what} takes a version number from 1 (see repoman list-versions), not "${String(text)}"`);
  return value;
}

// @repoman/api is types only in the installed client: the record makes the compiler keep this list its DISK_FORMATS.
const KNOWN_FORMATS: Readonly<Record<DiskFormat, true>> = {
  raw: true, qcow2: true, vmdk: true, vdi: true, vhd: true, vhdx: true, iso: true, ova: true, gzip: true, other: true,
};
const DISK_FORMATS = Object.keys(KNOWN_FORMATS);

/** A disk format of SPEC §3, or `auto` (`""`: the server detects it at each upload). */
export function parseDiskFormat(text: string): DiskFormat | '' {
  const word = text.trim().toLowerCase();
  if (word === 'auto') return '';
  if (DISK_FORMATS.includes(word)) return word as DiskFormat;
  throw new UsageError(`--disk-format takes one of ${DISK_FORMATS.join(', ')}, or auto (detected at each upload), not "${text}"`);
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0']);

export function isBooleanWord(text: string): boolean {
  const word = text.toLowerCase();
  return TRUE_WORDS.has(word) || FALSE_WORDS.has(word);
}

export function parseBool(text: string | boolean, flag: string): boolean {
  if (typeof text === 'boolean') return text;
  const word = text.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new UsageError(`${flag} takes true or false (yes/no), not "${text}"`);
}

const DURATION = /^\+?(\d+)\s*([hdwy])$/i;
const DURATION_MS: Record<string, number> = { h: 3600_000, d: 86400_000, w: 7 * 86400_000, y: 365 * 86400_000 };

/** `2026-12-31`, `2026-12-31T12:00:00Z`, `+30d` (h d w y) → ISO 8601; `never` / `none` → `""` (clears it); a time already past is refused. */
export function parseExpires(text: string, now: Date = new Date()): string {
  const trimmed = text.trim();
  if (/^(never|none)$/i.test(trimmed)) return '';
  const duration = DURATION.exec(trimmed);
  if (duration) return new Date(now.getTime() + Number(duration[1]) * (DURATION_MS[(duration[2] ?? 'd').toLowerCase()] ?? 0)).toISOString();
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    const time = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed);
    if (!Number.isNaN(time) && time <= now.getTime()) {
      throw new UsageError(`--expires ${trimmed} is in the past: give a later date, a delay (+30d) or "never"`);
    }
    if (!Number.isNaN(time)) return new Date(time).toISOString();
  }
  throw new UsageError(`--expires takes a date (2026-12-31), a time (2026-12-31T12:00:00Z), a delay (+30d, +12h, +2w) or "never", not "${text}"`);
}

/** `a,b c` and repeated flags → `['a', 'b', 'c']`, without duplicates. */
export function parseList(values: unknown): string[] {
  const items = (Array.isArray(values) ? values : values === undefined ? [] : [values]).flatMap((value) => String(value).split(/[,\s]+/));
  return [...new Set(items.filter((item) => item !== ''))];
}

/** The IMAGE argument: `NAME` or `OWNER/NAME`; `--owner` applies to a bare NAME. */
export function parseImageArg(text: unknown, owner: unknown): ImageRef {
  try {
    return parseImageRef(String(text), typeof owner === 'string' ? owner : undefined);
  } catch (error) {
    if (error instanceof InvalidValueError) throw new UsageError(error.message);
    throw error;
  }
}

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** `3600`, `90s`, `30m`, `12h`, `7d`, `+2w` → seconds (a whole number, at least 1). */
export function parseSeconds(text: string, flag: string): number {
  const match = /^\s*\+?(\d{1,12})\s*([smhdw]?)\s*$/i.exec(text);
  const seconds = match ? Number(match[1]) * (SECONDS[(match[2] ?? '').toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!(seconds >= 1)) throw new UsageError(`${flag} takes a lifetime such as 3600 (seconds), 30m, 12h, 7d or 2w, not "${text}"`);
  return seconds;
}
