/**
 * The permission names of SPEC §2, exactly. Permissions are held by groups; a user has the
 * union of its groups' permissions, and members of `admins` have every permission.
 * `image_modify` and `image_delete` are about images of others (owners may always act on
 * their own).
 */

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

export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
