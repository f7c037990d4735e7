/**
 * What the race contracts share: two server instances on one database (two independent
 * `openMetadata` connections with their own services, as two processes behind a load balancer
 * would have), an admin caller, and the outcome of a service call as the API would answer it
 * — "ok" or the error code — where anything but a RepomanError (an engine error, a 500) fails
 * the test.
 */
import { ensureAdmin } from '../../src/services/admin-bootstrap.js';
import { resolveCaller, type UserCaller } from '../../src/services/caller.js';
import { createGroupService } from '../../src/services/group-service.js';
import { createImageService } from '../../src/services/image-service.js';
import { createImageSharingService } from '../../src/services/image-sharing.js';
import { RepomanError } from '../../src/services/repoman-error.js';
import { createUserService } from '../../src/services/user-service.js';
import type { OpenMetadata } from '../../src/metadata/open-metadata.js';
import type { TestDatabase } from './harness.js';

/** How many times each race is run. */
export const ROUNDS = 25;

export const ADMIN_DN = '/O=Grid/CN=Ada Admin';

export interface Instance {
  readonly metadata: OpenMetadata;
  readonly users: ReturnType<typeof createUserService>;
  readonly groups: ReturnType<typeof createGroupService>;
  readonly images: ReturnType<typeof createImageService>;
  readonly sharing: ReturnType<typeof createImageSharingService>;
}

function instance(metadata: OpenMetadata): Instance {
  return {
    metadata,
    users: createUserService(metadata),
    groups: createGroupService(metadata),
    images: createImageService(metadata),
    sharing: createImageSharingService(metadata),
  };
}

/** Instances a and b on the test's database, and `admin`, a member of admins, as caller. */
export async function twoInstances(database: TestDatabase): Promise<{ a: Instance; b: Instance; admin: UserCaller }> {
  await ensureAdmin(database.metadata, 'admin', ADMIN_DN);
  const caller = await resolveCaller(database.metadata, { dn: ADMIN_DN, limited: false }, { plainHttp: false });
  if (caller.kind !== 'user') throw new Error('the admin did not resolve');
  return { a: instance(database.metadata), b: instance(database.open()), admin: caller };
}

/** "ok", or the RepomanError code the API would answer; any other error is rethrown. */
export async function outcome(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (error) {
    if (error instanceof RepomanError) return error.code;
    throw error;
  }
}

/** Both outcomes of a race, sorted (so that which instance won does not matter). */
export async function race(first: Promise<unknown>, second: Promise<unknown>): Promise<string[]> {
  return (await Promise.all([outcome(first), outcome(second)])).sort();
}
