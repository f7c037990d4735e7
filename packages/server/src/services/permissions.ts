/**
 * The permission names of SPEC §2, exactly. Permissions are held by groups; a user has the
 * union of its groups' permissions, and members of `admins` have every permission.
 * `image_modify` and `image_delete` are about images of others (owners may always act on
 * their own). The list itself is the API's (`@repoman/api`): one source for the contract and
 * the domain.
 */
import { PERMISSIONS } from '@repoman/api';

export { PERMISSIONS };

export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
