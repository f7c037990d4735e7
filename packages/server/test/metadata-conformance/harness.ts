/**
 * The harness of the metadata conformance suite: what a backend (SQLite, PostgreSQL) provides
 * — fresh, empty databases on demand — and how a test gets one: `withDatabase` opens a first
 * instance on a new database (migrated unless told otherwise), lets the test open more
 * instances on the same database (as more servers behind a load balancer would), then closes
 * them all and drops the database, whatever happened. Also the fixtures the contract files
 * share: registering users and images, counting rows, finding dangling references.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/metadata/database-schema.js';
import type { ImageRecord, NewImage } from '../../src/metadata/image-store.js';
import type { UserRecord } from '../../src/metadata/metadata-store.js';
import { openMetadata, type OpenMetadata } from '../../src/metadata/open-metadata.js';

export interface MetadataBackend {
  /** "sqlite", "postgres": names the suite. */
  readonly name: string;
  /** The `database.url` of a new, empty database, a different one at every call. */
  createDatabase(): Promise<string>;
  /** Removes a database made by createDatabase, once every connection to it is closed. */
  dropDatabase(url: string): Promise<void>;
}

export interface TestDatabase {
  readonly url: string;
  /** The first instance, migrated (unless `migrate: false`). */
  readonly metadata: OpenMetadata;
  /** Opens one more instance on the same database; it is closed after the test. */
  open(): OpenMetadata;
}

/** A test body run on a fresh database (see the header). */
export function withDatabase(
  backend: MetadataBackend,
  body: (database: TestDatabase) => Promise<void>,
  options: { migrate?: boolean } = {},
): () => Promise<void> {
  return async () => {
    const url = await backend.createDatabase();
    const opened: OpenMetadata[] = [];
    const open = (): OpenMetadata => {
      const metadata = openMetadata(url);
      opened.push(metadata);
      return metadata;
    };
    try {
      const metadata = open();
      if (options.migrate !== false) await metadata.migrate();
      await body({ url, metadata, open });
    } finally {
      await Promise.all(opened.map((metadata) => metadata.close()));
      await backend.dropDatabase(url);
    }
  };
}

/** Registers a user named `name` with DN `/O=Grid/CN=<name>`. */
export function addUser(metadata: OpenMetadata, name: string, groupIds: readonly number[] = []): Promise<UserRecord> {
  return metadata.users.create({ name, clientDn: `/O=Grid/CN=${name}` }, groupIds);
}

/** Creates an image of `owner` (empty unless `fields.content` is given). */
export function addImage(metadata: OpenMetadata, owner: UserRecord, name: string, fields: Omit<NewImage, 'ownerId' | 'name'> = {}): Promise<ImageRecord> {
  return metadata.images.create({ ownerId: owner.id, name, ...fields });
}

/** The id of a group that must exist. */
export async function groupId(metadata: OpenMetadata, name: string): Promise<number> {
  const group = await metadata.groups.findByName(name);
  if (group === undefined) throw new Error(`no group ${name}`);
  return group.id;
}

const TABLES = ['users', 'groups', 'group_members', 'group_permissions', 'images', 'image_user_shares', 'image_group_shares', 'image_versions'] as const;
export type TableCounts = Record<(typeof TABLES)[number], number>;

/** The number of rows of every table (to show that a refused write wrote nothing). */
export async function tableCounts(db: Kysely<Database>): Promise<TableCounts> {
  const counts = {} as TableCounts;
  for (const table of TABLES) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

/** Child table, its column, and the parent table whose `id` it names (the schema's foreign keys). */
const REFERENCES = [
  ['group_members', 'user_id', 'users'],
  ['group_members', 'group_id', 'groups'],
  ['group_permissions', 'group_id', 'groups'],
  ['images', 'owner_id', 'users'],
  ['image_user_shares', 'image_id', 'images'],
  ['image_user_shares', 'user_id', 'users'],
  ['image_group_shares', 'image_id', 'images'],
  ['image_group_shares', 'group_id', 'groups'],
  ['download_links', 'image_id', 'images'],
  ['image_versions', 'image_id', 'images'],
] as const;

/**
 * Rows that name a user, group or image that does not exist, as "table.column": always none
 * when the foreign keys hold, whatever raced.
 */
export async function danglingRows(db: Kysely<Database>): Promise<string[]> {
  const dangling: string[] = [];
  for (const [table, column, parent] of REFERENCES) {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from ${sql.table(table)} as c
      where not exists (select 1 from ${sql.table(parent)} as p where p.id = ${sql.ref(`c.${column}`)})`.execute(db);
    const n = Number(rows[0]?.n ?? 0);
    if (n > 0) dangling.push(`${n} ${table}.${column}`);
  }
  return dangling;
}
