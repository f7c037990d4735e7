/**
 * `repoman add-permissions-to-group GROUP PERMISSION...` (2011: `apg`): grants permissions to
 * a group (names: repoman list-permissions).
 */
import { defineGroupChange } from './group-change.js';

export const addPermissionsToGroupCommand = defineGroupChange({
  name: 'add-permissions-to-group',
  alias: 'apg',
  summary: 'grant permissions to a group',
  example: 'repoman add-permissions-to-group support user_modify,image_modify',
  item: 'PERMISSION',
  apply: (client, group, permission) => client.grantPermission(group, permission),
  done: (group, permission) => `granted ${permission} to ${group}`,
});
