/**
 * The bounds the API's schemas put on what the forms send (`@repoman/api` images.ts, common.ts),
 * so a form refuses bad input before the request. The schemas are not bundled (TypeBox and Ajv
 * would triple the UI's size); test/limits.test.ts fails when these drift from them.
 */
export const IMAGE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$';
export const ACCOUNT_NAME_PATTERN = '^(?!(?:raw|api)$)[a-z0-9][a-z0-9_-]{0,63}$';
export const DESCRIPTION_MAX = 4096;
export const TEXT_FIELD_MAX = 128;
export const DISK_FORMATS = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx', 'iso', 'ova', 'gzip', 'other'] as const;

/** A message when `value` breaks `pattern`, else null. */
export function nameProblem(what: string, value: string, pattern: string): string | null {
  if (new RegExp(pattern).test(value)) return null;
  if (pattern === IMAGE_NAME_PATTERN || pattern === IMAGE_LIST_NAME_PATTERN) {
    return `${what} must start with a letter or digit and hold only letters, digits, dots, dashes and underscores (at most ${pattern === IMAGE_NAME_PATTERN ? 255 : 128})`;
  }
  return `${what} must start with a lowercase letter or digit and hold only lowercase letters, digits, dashes and underscores (at most 64; not raw or api)`;
}

/** An image list's name (`@repoman/api` imagelists.ts, ImageListName): as an image's, at most 128. */
export const IMAGE_LIST_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

/** An image list's member: `owner/name` (`@repoman/api` imagelists.ts, ImageListMember). */
export const IMAGE_LIST_MEMBER_PATTERN = `^${ACCOUNT_NAME_PATTERN.replace(/^\^|\$$/g, '')}/[A-Za-z0-9][A-Za-z0-9._-]{0,254}$`;
