/**
 * Every `repoman` command, in the order `repoman --help` lists them (SPEC §4).
 */
import type { AnyCommand } from '../cli/command-spec.js';
import { aboutCommand } from './about.js';
import { addPermissionsToGroupCommand } from './add-permissions-to-group.js';
import { addUsersToGroupCommand } from './add-users-to-group.js';
import { cloneImageCommand } from './clone-image.js';
import { createGroupCommand } from './create-group.js';
import { createImageCommand } from './create-image.js';
import { createUserCommand } from './create-user.js';
import { describeGroupCommand } from './describe-group.js';
import { describeImageCommand } from './describe-image.js';
import { describeUserCommand } from './describe-user.js';
import { downloadImageCommand } from './download-image.js';
import { listGroupsCommand } from './list-groups.js';
import { linkImageCommand } from './link-image.js';
import { listImagesCommand } from './list-images.js';
import { listLinksCommand } from './list-links.js';
import { listPermissionsCommand } from './list-permissions.js';
import { listUsersCommand } from './list-users.js';
import { listVersionsCommand } from './list-versions.js';
import { makeConfigCommand } from './make-config.js';
import { modifyGroupCommand } from './modify-group.js';
import { modifyImageCommand } from './modify-image.js';
import { modifyUserCommand } from './modify-user.js';
import { removeGroupCommand } from './remove-group.js';
import { removeImageCommand } from './remove-image.js';
import { removePermissionsFromGroupCommand } from './remove-permissions-from-group.js';
import { removeUserCommand } from './remove-user.js';
import { removeUsersFromGroupCommand } from './remove-users-from-group.js';
import { removeVersionCommand } from './remove-version.js';
import { renameImageCommand } from './rename-image.js';
import { revokeLinkCommand } from './revoke-link.js';
import { rollbackImageCommand } from './rollback-image.js';
import { saveImageCommand } from './save-image.js';
import { shareImageCommand } from './share-image.js';
import { unshareImageCommand } from './unshare-image.js';
import { uploadImageCommand } from './upload-image.js';
import { whoamiCommand } from './whoami.js';
import { createImageListCommand } from './create-imagelist.js';
import { modifyImageListCommand } from './modify-imagelist.js';
import { listImageListsCommand } from './list-imagelists.js';
import { describeImageListCommand } from './describe-imagelist.js';
import { removeImageListCommand } from './remove-imagelist.js';

export const COMMANDS: readonly AnyCommand[] = [
  whoamiCommand,
  aboutCommand,
  makeConfigCommand,
  listImagesCommand,
  describeImageCommand,
  createImageCommand,
  uploadImageCommand,
  downloadImageCommand,
  modifyImageCommand,
  renameImageCommand,
  removeImageCommand,
  cloneImageCommand,
  listVersionsCommand,
  rollbackImageCommand,
  removeVersionCommand,
  shareImageCommand,
  unshareImageCommand,
  linkImageCommand,
  listLinksCommand,
  revokeLinkCommand,
  saveImageCommand,
  createUserCommand,
  listUsersCommand,
  describeUserCommand,
  modifyUserCommand,
  removeUserCommand,
  createGroupCommand,
  listGroupsCommand,
  describeGroupCommand,
  modifyGroupCommand,
  removeGroupCommand,
  addUsersToGroupCommand,
  removeUsersFromGroupCommand,
  addPermissionsToGroupCommand,
  removePermissionsFromGroupCommand,
  listPermissionsCommand,
  createImageListCommand,
  modifyImageListCommand,
  listImageListsCommand,
  describeImageListCommand,
  removeImageListCommand,
];
