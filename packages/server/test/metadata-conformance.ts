/**
 * The metadata conformance suite: every contract of the metadata stores (`metadata-store.ts`,
 * `image-store.ts`) and every race two server instances can run on one database, written once
 * and run against each backend (`metadata-sqlite.test.ts`, `metadata-postgres.test.ts`), as
 * kysely runs one suite per dialect. Each test gets a fresh database and drops it afterwards.
 */
import { describe } from 'node:test';
import { accountRaces } from './metadata-conformance/account-races.js';
import { groupContracts } from './metadata-conformance/group-contracts.js';
import type { MetadataBackend } from './metadata-conformance/harness.js';
import { imageContracts } from './metadata-conformance/image-contracts.js';
import { imageListContracts } from './metadata-conformance/image-list-contracts.js';
import { imageRaces } from './metadata-conformance/image-races.js';
import { linkContracts } from './metadata-conformance/link-contracts.js';
import { listingContracts } from './metadata-conformance/listing-contracts.js';
import { migrationContracts } from './metadata-conformance/migration-contracts.js';
import { quotaRaces } from './metadata-conformance/quota-races.js';
import { uploadContracts } from './metadata-conformance/upload-contracts.js';
import { userContracts } from './metadata-conformance/user-contracts.js';
import { versionContracts } from './metadata-conformance/version-contracts.js';

export type { MetadataBackend } from './metadata-conformance/harness.js';

export function metadataConformance(backend: MetadataBackend): void {
  describe(`metadata store on ${backend.name}`, () => {
    describe('migrations', () => migrationContracts(backend));
    describe('users', () => userContracts(backend));
    describe('groups', () => groupContracts(backend));
    describe('images', () => imageContracts(backend));
    describe('image listing', () => listingContracts(backend));
    describe('races between two instances: accounts', () => accountRaces(backend));
    describe('races between two instances: images', () => imageRaces(backend));
    describe('quotas, alone and racing between two instances', () => quotaRaces(backend));
    describe('download links', () => linkContracts(backend));
    describe('image versions, alone and racing between two instances', () => versionContracts(backend));
    describe('HEPiX image lists', () => imageListContracts(backend));
    describe('resumable uploads, alone and racing between two instances', () => uploadContracts(backend));
  });
}
