/**
 * `repoman remove-permissions-from-group GROUP PERMISSION...` (2011: `rpg`): revokes
 * permissions from a group.
 */
import { defineGroupChange } from './group-change.js';

export const removePermissionsFromGroupCommand = defineGroupChange({
  name: 'remove-permissions-from-group',
  alias: 'rpg',
  summary: 'revoke permissions from a group',
  example: 'repoman remove-permissions-from-group support image_modify',
  item: 'PERMISSION',
  apply: (client, group, permission) => client.revokePermission(group, permission),
  done: (group, permission) => `revoked ${permission} from ${group}`,
});
