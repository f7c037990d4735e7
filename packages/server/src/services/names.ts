/**
 * Name rules of SPEC §3: users and groups match `^[a-z0-9][a-z0-9_-]{0,63}$` and may not be
 * `raw` or `api` (they would collide with URL segments); images match
 * `^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$`. Checking names before anything else keeps path
 * tricks (`..`, `a/b`, NUL) out of the stores and of storage keys.
 */
import { RepomanError } from './repoman-error.js';

const ACCOUNT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const RESERVED = new Set(['raw', 'api']);

export type NameKind = 'user' | 'group';

export function isAccountName(name: string): boolean {
  return ACCOUNT_NAME.test(name) && !RESERVED.has(name);
}

export function isImageName(name: string): boolean {
  return IMAGE_NAME.test(name);
}

/** Throws INVALID_NAME unless `name` is a valid user or group name. */
export function checkAccountName(kind: NameKind, name: string): void {
  if (RESERVED.has(name)) throw new RepomanError('INVALID_NAME', `"${name}" is reserved and cannot name a ${kind}`);
  if (!ACCOUNT_NAME.test(name)) {
    throw new RepomanError(
      'INVALID_NAME',
      `invalid ${kind} name ${printable(name)}: use 1 to 64 lowercase letters, digits, "_" or "-", starting with a letter or digit`,
    );
  }
}

/** Throws INVALID_NAME unless `name` is a valid image name. */
export function checkImageName(name: string): void {
  if (!IMAGE_NAME.test(name)) {
    throw new RepomanError(
      'INVALID_NAME',
      `invalid image name ${printable(name)}: use 1 to 255 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
}

/** A short, control-character-free rendering of a name for messages. */
function printable(name: string): string {
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return JSON.stringify(shown);
}
