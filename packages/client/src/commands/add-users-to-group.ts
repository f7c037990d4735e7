/**
 * `repoman add-users-to-group GROUP USER...` (2011: `aug`): adds members to a group.
 */
import { defineGroupChange } from './group-change.js';

export const addUsersToGroupCommand = defineGroupChange({
  name: 'add-users-to-group',
  alias: 'aug',
  summary: 'add users to a group',
  example: 'repoman add-users-to-group atlas bob pam',
  item: 'USER',
  apply: (client, group, user) => client.addGroupMember(group, user),
  done: (group, user) => `added ${user} to ${group}`,
});
