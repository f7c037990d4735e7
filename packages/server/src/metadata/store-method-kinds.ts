/**
 * Which methods of each metadata store write (`write-counter.ts`): the caches that keep what
 * the stores hold (callers, listing totals, whole answers) are dropped after each write made
 * through this server. A store method not listed here does not compile, so a new write cannot
 * be left uncounted. Conservative where a cached answer might show the change (an upload's
 * lease, a quota reservation, a link's download count are writes too).
 */
import type { BlobBlockStore } from './blob-block-store.js';
import type { ImageListStore } from './image-list-store.js';
import type { ImageStore } from './image-store.js';
import type { LinkStore } from './link-store.js';
import type { GroupStore, UserStore } from './metadata-store.js';
import type { QuotaStore } from './quota-store.js';
import type { UploadStore } from './upload-store.js';
import type { MethodKinds } from './write-counter.js';

export const USER_METHODS: MethodKinds<UserStore> = {
  create: 'write', update: 'write', delete: 'write',
  findByName: 'read', findByDn: 'read', list: 'read',
};

export const GROUP_METHODS: MethodKinds<GroupStore> = {
  create: 'write', rename: 'write', setVoms: 'write', delete: 'write', addMember: 'write', removeMember: 'write', grant: 'write', revoke: 'write',
  findByName: 'read', list: 'read', listWithVomsFqans: 'read', memberNames: 'read', groupNamesOf: 'read', permissionsOf: 'read', permissionsOfUser: 'read',
};

export const IMAGE_METHODS: MethodKinds<ImageStore> = {
  create: 'write', update: 'write', recordUpload: 'write', rollback: 'write', deleteVersion: 'write', delete: 'write',
  shareWithUser: 'write', unshareWithUser: 'write', shareWithGroup: 'write', unshareWithGroup: 'write',
  find: 'read', findById: 'read', listVersions: 'read', findVersion: 'read', list: 'read', sharesOf: 'read', isSharedWith: 'read',
  referencedBlobKeys: 'read', isBlobReferenced: 'read',
};

export const QUOTA_METHODS: MethodKinds<QuotaStore> = {
  reserve: 'write', renew: 'write', release: 'write',
  usageOf: 'read', pushedOutBytes: 'read',
};

export const LINK_METHODS: MethodKinds<LinkStore> = {
  create: 'write', revoke: 'write', countDownload: 'write',
  findLive: 'read', listLive: 'read',
};

export const IMAGE_LIST_METHODS: MethodKinds<ImageListStore> = {
  create: 'write', update: 'write', delete: 'write', publish: 'write', recordSha512: 'write',
  find: 'read', list: 'read', memberIds: 'read', sha512Of: 'read', blobsAwaitingSha512: 'read',
};

export const UPLOAD_METHODS: MethodKinds<UploadStore> = {
  create: 'write', lease: 'write', renewLease: 'write', release: 'write', delete: 'write', takeExpired: 'write',
  find: 'read', namesStorage: 'read',
};

export const BLOB_BLOCK_METHODS: MethodKinds<BlobBlockStore> = {
  record: 'write',
  find: 'read', awaiting: 'read',
};
