/**
 * Checking the metadata fields of an image as a request gives them (snake_case, SPEC §3) and
 * turning them into store fields. Texts are bounded (description 4096 characters, the others
 * 128) and free of control characters (the description may hold newlines and tabs). `expires`
 * is an ISO 8601 date or date-time (without a zone: UTC), stored normalized as UTC; an empty
 * string clears it. Every problem is reported at once, as one 400 BAD_REQUEST.
 */
import type { ImageFields } from '../metadata/image-store.js';
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
}

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
  };
  if (problems.length > 0) throw new RepomanError('BAD_REQUEST', problems.join('; '));
  return fields;
}

/** True when the image's `expires` time has passed. */
export function hasExpired(expires: string | null, now: Date = new Date()): boolean {
  return expires !== null && Date.parse(expires) <= now.getTime();
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
