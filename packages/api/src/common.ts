/**
 * Schemas shared by every resource: the name rules of SPEC §3 (users and groups, images), the
 * permission names of SPEC §2, times, and the two ways a request body may arrive. Bodies are
 * described as JSON; `formBody` derives, from the same schema, what a form-encoded body may
 * hold as the server's body parsing reads it today (booleans as words, integers as digits, lists as repeated keys
 * or one comma-separated value), so the form variant is never kept by hand.
 */
import { Kind, Type, type TObject, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** SPEC §3: users and groups; `raw` and `api` are reserved (they would collide with URL segments). */
export const ACCOUNT_NAME_PATTERN = '^(?!(?:raw|api)$)[a-z0-9][a-z0-9_-]{0,63}$';
/** SPEC §3: images; dots allowed (`rhel5.5.img`, `debian6.img.gz`). */
export const IMAGE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$';

export const UserName = Type.String({ pattern: ACCOUNT_NAME_PATTERN, description: 'a user name' });
export const GroupName = Type.String({ pattern: ACCOUNT_NAME_PATTERN, description: 'a group name' });
export const ImageName = Type.String({ pattern: IMAGE_NAME_PATTERN, description: 'an image name' });

/** SPEC §2: permissions are held by groups; `image_modify` and `image_delete` are about images of others. */
export const PERMISSIONS = [
  'user_create',
  'user_modify',
  'user_delete',
  'group_create',
  'group_modify',
  'group_delete',
  'group_modify_membership',
  'group_modify_permissions',
  'image_create',
  'image_modify',
  'image_delete',
] as const;

/** A string that is one of `values` (a plain JSON Schema `enum`, shorter in the document than a union of constants). */
export function stringEnum<const T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description !== undefined && { description }) });
}

export const Permission = stringEnum(PERMISSIONS, 'a permission name');
export type Permission = (typeof PERMISSIONS)[number];

/** Times are ISO 8601 UTC, as `Date#toISOString` writes them. */
export const Time = Type.String({ format: 'date-time' });

/** `GET /healthz`. */
export const Health = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });

/** Words the server reads as booleans in form bodies and query strings, in any case, around spaces. */
const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];

/** The boolean a word of `booleanWord` means ("" means true: `?shared` alone); undefined for other text. */
export function booleanOfWord(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (word === '' || TRUE_WORDS.includes(word)) return true;
  return FALSE_WORDS.includes(word) ? false : undefined;
}

function caseless(word: string): string {
  return [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join('');
}

/** A boolean as text: true/false/1/0/yes/no/on/off in any case; `empty` also allows "" (`?shared` alone means true). */
export function booleanWord(empty: boolean): TSchema {
  const words = [...TRUE_WORDS, ...FALSE_WORDS].map(caseless).join('|');
  return Type.String({ pattern: `^\\s*(?:${words})\\s*$${empty ? '|^$' : ''}`, description: `true/false, 1/0, yes/no or on/off${empty ? '; empty for true' : ''}` });
}

/**
 * The form-encoded variant of a JSON body schema: every field is text, so strings stay, booleans
 * become `booleanWord`, integers digits (their bounds are checked once coerced), and string lists become a list (repeated keys) or one comma-separated value.
 */
export function formBody(body: TObject): TObject {
  const fields: Record<string, TSchema> = {};
  for (const [name, field] of Object.entries(body.properties)) {
    const kind = (field as TSchema)[Kind];
    let form: TSchema;
    if (kind === 'Boolean') form = booleanWord(false);
    else if (kind === 'Integer') form = Type.String({ pattern: `^\\s*${(field as TSchema).minimum === 0 ? '' : '-?'}\\d{1,15}\\s*$`, description: 'a whole number' });
    // The single value first: with fastify's type coercion a lone string must not become a list of one.
    else if (kind === 'Array') form = Type.Union([Type.String({ description: 'comma-separated' }), Type.Array(Type.String())]);
    else form = kind === 'String' ? (field as TSchema) : Type.String();
    fields[name] = body.required?.includes(name) ? form : Type.Optional(form);
  }
  return Type.Object(fields, { additionalProperties: false });
}
