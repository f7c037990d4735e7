// The API bench's data set, after issue 19: 200 users × 100 images (20,000), 20 groups (each
// user a member of one, every tenth of a second as well), 5,200 shares (4,000 with users, 1,200
// with groups) and 10 % of the images public. Written with multi-row INSERTs in a few
// transactions straight into a migrated metadata database (SQLite file or PostgreSQL), before
// the server starts: seconds, where the API would take minutes. `extraUsers` (name, DN) join as
// users 1 and 2 of the 200, so that a bench client with a real certificate is one of them (and
// sees what any user sees). Deterministic: the same call gives the same rows.
import { openMetadata } from '../../packages/server/src/metadata/open-metadata.js';

export const DATASET = { users: 200, imagesPerUser: 100, groups: 20, userShares: 4_000, groupShares: 1_200, publicEvery: 10 } as const;

export interface SeedReport {
  readonly users: number;
  readonly images: number;
  readonly shares: number;
  readonly seconds: number;
}

/** Inserts rows in chunks small enough for SQLite's 32,766 bound parameters. */
async function insertChunks<T>(rows: readonly T[], columns: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  const size = Math.floor(30_000 / columns);
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

export async function seedDataset(databaseUrl: string, extraUsers: ReadonlyArray<{ name: string; dn: string }> = []): Promise<SeedReport> {
  const started = Date.now();
  const metadata = openMetadata(databaseUrl);
  try {
    await metadata.migrate();
    const now = new Date().toISOString();
    await metadata.db.transaction().execute(async (trx) => {
      const users = Array.from({ length: DATASET.users }, (_, i) => {
        const extra = extraUsers[i];
        const name = extra?.name ?? `user${String(i).padStart(3, '0')}`;
        return { name, client_dn: extra?.dn ?? `/DC=org/DC=Bench/CN=${name}`, full_name: `Bench ${name}`, email: `${name}@bench.invalid`, suspended: 0 as const, created: now, modified: now };
      });
      const userIds: number[] = [];
      await insertChunks(users, 7, async (chunk) => userIds.push(...(await trx.insertInto('users').values(chunk).returning('id').execute()).map((r) => r.id)));
      const groups = Array.from({ length: DATASET.groups }, (_, i) => ({ name: `team${String(i).padStart(2, '0')}`, protected: 0 as const, created: now, modified: now }));
      const groupIds = (await trx.insertInto('groups').values(groups).returning('id').execute()).map((r) => r.id);
      const members = userIds.flatMap((userId, i) => [
        { group_id: groupIds[i % DATASET.groups]!, user_id: userId },
        ...(i % 10 === 0 ? [{ group_id: groupIds[(i + 7) % DATASET.groups]!, user_id: userId }] : []),
      ]);
      await trx.insertInto('group_members').values(members).execute();

      const images = userIds.flatMap((ownerId, u) => Array.from({ length: DATASET.imagesPerUser }, (_, k) => {
        const n = u * DATASET.imagesPerUser + k;
        return {
          owner_id: ownerId, name: `image-${String(k).padStart(3, '0')}.img`, uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
          description: `${['Debian', 'Ubuntu', 'Alma', 'Rocky', 'Fedora'][n % 5]} ${10 + (n % 7)} worker node ${n}`,
          os_variant: 'generic', os_type: 'linux', os_arch: 'x86_64', hypervisor: 'kvm', size: 1_073_741_824 + n, checksum: n.toString(16).padStart(64, '0'),
          blob_key: `bench-${n}`, version: 1, status: 'ready' as const, created: now, uploaded: now, modified: now, expires: null,
          read_only: 0 as const, unauthenticated_access: (n % DATASET.publicEvery === 0 ? 1 : 0) as 0 | 1, disk_format: 'raw', virtual_size: 1_073_741_824 + n,
        };
      }));
      const imageIds: number[] = [];
      await insertChunks(images, 22, async (chunk) => imageIds.push(...(await trx.insertInto('images').values(chunk).returning('id').execute()).map((r) => r.id)));

      // Spread over every owner and reader: share i goes from image (i·7919 mod N) to user (i·31 mod U), skipping self-shares.
      const userShares = new Map<string, { image_id: number; user_id: number }>();
      for (let i = 0; userShares.size < DATASET.userShares; i += 1) {
        const image = (i * 7919) % imageIds.length;
        const reader = (i * 31 + 1) % userIds.length;
        if (Math.floor(image / DATASET.imagesPerUser) === reader) continue;
        userShares.set(`${image}/${reader}`, { image_id: imageIds[image]!, user_id: userIds[reader]! });
      }
      await insertChunks([...userShares.values()], 2, (chunk) => trx.insertInto('image_user_shares').values(chunk).execute());
      const groupShares = new Map<string, { image_id: number; group_id: number }>();
      for (let i = 0; groupShares.size < DATASET.groupShares; i += 1) {
        const image = (i * 104_729 + 13) % imageIds.length;
        groupShares.set(`${image}/${i % DATASET.groups}`, { image_id: imageIds[image]!, group_id: groupIds[i % DATASET.groups]! });
      }
      await insertChunks([...groupShares.values()], 2, (chunk) => trx.insertInto('image_group_shares').values(chunk).execute());
    });
    return { users: DATASET.users, images: DATASET.users * DATASET.imagesPerUser, shares: DATASET.userShares + DATASET.groupShares, seconds: (Date.now() - started) / 1000 };
  } finally {
    await metadata.close();
  }
}
