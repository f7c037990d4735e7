/**
 * Checking the metadata fields of an image as a request gives them (snake_case, SPEC §3) and
 * turning them into store fields. Texts are bounded (description 4096 characters, the others
 * 128) and free of control characters (the description may hold newlines and tabs). `expires`
 * is an ISO 8601 date or date-time (without a zone: UTC), stored normalized as UTC; an empty
 * string clears it. `disk_format` is one of SPEC §3's formats (an explicit value wins over
 * what uploads detect; "" gives the choice back to detection); `min_disk` (GB) and `min_ram`
 * (MB) are whole numbers from 0 to 2^31-1. Every problem is reported at once, as one 400
 * BAD_REQUEST.
 */
import type { ImageFields } from '../metadata/image-store.js';
import { DISK_FORMATS, isDiskFormat, type DiskFormat } from './disk-format.js';
import { RepomanError } from './repoman-error.js';

export interface ImageFieldsInput {
  readonly description?: string | undefined;
  readonly os_variant?: string | undefined;
  readonly os_type?: string | undefined;
  readonly os_arch?: string | undefined;
  readonly hypervisor?: string | undefined;
  readonly expires?: string | undefined;
  readonly read_only?: boolean | undefined;
  readonly unauthenticated_access?: boolean | undefined;
  readonly disk_format?: string | undefined;
  readonly min_disk?: number | undefined;
  readonly min_ram?: number | undefined;
}

const MAX_MINIMUM = 2 ** 31 - 1;

export const MAX_DESCRIPTION = 4096;
export const MAX_SHORT_TEXT = 128;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

export function toImageFields(input: ImageFieldsInput): ImageFields {
  const problems: string[] = [];
  const text = (field: keyof ImageFieldsInput, value: string | undefined, max: number, control: RegExp): string | undefined => {
    if (value === undefined) return undefined;
    if (value.length > max) problems.push(`${field} must be at most ${max} characters`);
    else if (control.test(value)) problems.push(`${field} must not contain control characters`);
    return value;
  };
  const fields: ImageFields = {
    description: text('description', input.description, MAX_DESCRIPTION, CONTROL_BUT_WHITESPACE),
    osVariant: text('os_variant', input.os_variant, MAX_SHORT_TEXT, CONTROL),
    osType: text('os_type', input.os_type, MAX_SHORT_TEXT, CONTROL),
    osArch: text('os_arch', input.os_arch, MAX_SHORT_TEXT, CONTROL),
    hypervisor: text('hypervisor', input.hypervisor, MAX_SHORT_TEXT, CONTROL),
    expires: input.expires === undefined ? undefined : parseExpires(input.expires, problems),
    readOnly: input.read_only,
    unauthenticatedAccess: input.unauthenticated_access,
    diskFormat: input.disk_format === undefined ? undefined : parseDiskFormat(input.disk_format, problems),
    minDisk: minimum('min_disk', input.min_disk, 'GB', problems),
    minRam: minimum('min_ram', input.min_ram, 'MB', problems),
  };
  if (problems.length > 0) throw new RepomanError('BAD_REQUEST', problems.join('; '));
  return fields;
}

/** True when the image's `expires` time has passed. */
export function hasExpired(expires: string | null, now: Date = new Date()): boolean {
  return expires !== null && Date.parse(expires) <= now.getTime();
}

/** null: "" (detect the format from the bytes again). */
function parseDiskFormat(value: string, problems: string[]): DiskFormat | null | undefined {
  if (value === '') return null;
  if (isDiskFormat(value)) return value;
  problems.push(`disk_format must be one of ${DISK_FORMATS.join(', ')} (or "" to detect it from the bytes at the next upload)`);
  return undefined;
}

function minimum(field: string, value: number | undefined, unit: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (Number.isSafeInteger(value) && value >= 0 && value <= MAX_MINIMUM) return value;
  problems.push(`${field} must be a whole number of ${unit} from 0 to ${MAX_MINIMUM}`);
  return undefined;
}

function parseExpires(value: string, problems: string[]): string | null | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (ISO_DATE.test(trimmed)) {
    const [date = '', time] = trimmed.toUpperCase().split(/[T ]/);
    const clock = time === undefined ? '00:00:00Z' : /(?:Z|[+-]\d{2}:?\d{2})$/.test(time) ? time : `${time}Z`;
    const parsed = Date.parse(`${date}T${clock.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')}`);
    // Date.parse rolls 2030-02-31 over to March: insist on a real calendar date.
    const [year, month, day] = date.split('-').map(Number);
    const calendar = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
    if (Number.isFinite(parsed) && calendar.getUTCDate() === day && calendar.getUTCMonth() === (month ?? 1) - 1) {
      return new Date(parsed).toISOString();
    }
  }
  problems.push('expires must be an ISO 8601 date or date-time such as 2030-01-31 or 2030-01-31T12:00:00Z (or "" to clear it)');
  return undefined;
}
