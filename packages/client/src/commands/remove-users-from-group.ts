/**
 * `repoman remove-users-from-group GROUP USER...` (2011: `rug`): removes members from a group.
 */
import { defineGroupChange } from './group-change.js';

export const removeUsersFromGroupCommand = defineGroupChange({
  name: 'remove-users-from-group',
  alias: 'rug',
  summary: 'remove users from a group',
  example: 'repoman remove-users-from-group atlas pam',
  item: 'USER',
  apply: (client, group, user) => client.removeGroupMember(group, user),
  done: (group, user) => `removed ${user} from ${group}`,
});
