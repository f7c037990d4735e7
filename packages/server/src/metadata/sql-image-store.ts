/**
 * The ImageStore contract (`image-store.ts`) over kysely, for every SQL dialect. Rows are
 * mapped to records here (0/1 to booleans, sizes to numbers whatever the driver returns for
 * bigint); every read joins the owner's name. The listing's visibility rule ("own, shared
 * directly or through a group, or public") is one SQL condition, so that paging and counting
 * happen in the database. An upload's switch (`version = version + 1`) and the read of the
 * record it made share one transaction, so that each concurrent upload answers its own
 * version; the version row (`sql-image-versions.ts`) is written in that transaction too.
 * Shares of an image or user deleted meanwhile give MissingReference (foreign keys).
 */
import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import { guardConstraints } from './constraint-guard.js';
import type { Database, ImagesTable, IntBoolean, UsersTable } from './database-schema.js';
import type { MetadataDialect } from './metadata-dialect.js';
import { reusableQueries, reusableQuery, type QueryArgument } from './reusable-query.js';
import type { ShortCache } from './short-cache.js';
import type { ImageChanges, ImageFields, ImageListPosition, ImageQuery, ImageRecord, ImageShares, ImageSort, ImageStore, NewImage } from './image-store.js';
import { findVersion, listVersions, recordCurrentVersion } from './sql-image-versions.js';

type Joined = Database & { owner: UsersTable };
type ImageExpressions = ExpressionBuilder<Joined, 'images' | 'owner'>;
type ImageRow = Selectable<ImagesTable> & { owner_name: string; version_count: number | string | null };

/** How many versions the image keeps: one indexed count per row. */
const versionCount = (eb: ImageExpressions) =>
  eb.selectFrom('image_versions as iv').select((s) => s.fn.countAll<number>().as('n')).whereRef('iv.image_id', '=', 'images.id').as('version_count');

/** Thrown inside a rollback's transaction to undo it when the version is not kept. */
class VersionMissing extends Error {}

function toImageRecord(row: ImageRow): ImageRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    owner: row.owner_name,
    name: row.name,
    uuid: row.uuid,
    description: row.description,
    osVariant: row.os_variant,
    osType: row.os_type,
    osArch: row.os_arch,
    hypervisor: row.hypervisor,
    size: row.size === null ? null : Number(row.size),
    checksum: row.checksum,
    blobKey: row.blob_key,
    version: Number(row.version),
    versions: Number(row.version_count ?? 0),
    status: row.status,
    created: row.created,
    uploaded: row.uploaded,
    modified: row.modified,
    expires: row.expires,
    readOnly: row.read_only === 1,
    unauthenticatedAccess: row.unauthenticated_access === 1,
    diskFormat: row.disk_format,
    virtualSize: row.virtual_size === null ? null : Number(row.virtual_size),
    minDisk: Number(row.min_disk),
    minRam: Number(row.min_ram),
  };
}

/** The columns of the user-settable fields that are present in `fields`. */
function fieldColumns(fields: ImageFields): Partial<Selectable<ImagesTable>> {
  return {
    ...(fields.description !== undefined && { description: fields.description }),
    ...(fields.osVariant !== undefined && { os_variant: fields.osVariant }),
    ...(fields.osType !== undefined && { os_type: fields.osType }),
    ...(fields.osArch !== undefined && { os_arch: fields.osArch }),
    ...(fields.hypervisor !== undefined && { hypervisor: fields.hypervisor }),
    ...(fields.expires !== undefined && { expires: fields.expires }),
    ...(fields.readOnly !== undefined && { read_only: fields.readOnly ? 1 : 0 }),
    ...(fields.unauthenticatedAccess !== undefined && { unauthenticated_access: fields.unauthenticatedAccess ? 1 : 0 }),
    // null gives the choice back to detection; the value stays until the next upload.
    ...(fields.diskFormat !== undefined && (fields.diskFormat === null ? { disk_format_set: 0 as const } : { disk_format: fields.diskFormat, disk_format_set: 1 as const })),
    ...(fields.minDisk !== undefined && { min_disk: fields.minDisk }),
    ...(fields.minRam !== undefined && { min_ram: fields.minRam }),
  };
}

const sharedDirectly = (eb: ImageExpressions, userId: number) =>
  eb.exists(
    eb
      .selectFrom('image_user_shares as us')
      .select('us.image_id')
      .whereRef('us.image_id', '=', 'images.id')
      .where('us.user_id', '=', userId),
  );

const sharedThroughGroup = (eb: ImageExpressions, userId: number, viaGroups: readonly number[] = []) => {
  const stored = eb.exists(
    eb
      .selectFrom('image_group_shares as gs')
      .innerJoin('group_members as gm', 'gm.group_id', 'gs.group_id')
      .select('gs.image_id')
      .whereRef('gs.image_id', '=', 'images.id')
      .where('gm.user_id', '=', userId),
  );
  if (viaGroups.length === 0) return stored;
  const perRequest = eb.exists(
    eb
      .selectFrom('image_group_shares as vg')
      .select('vg.image_id')
      .whereRef('vg.image_id', '=', 'images.id')
      .where('vg.group_id', 'in', [...viaGroups]),
  );
  return eb.or([stored, perRequest]);
};

const PUBLIC = sql.lit<IntBoolean>(1);

/** A LIKE pattern matching `text` anywhere, with LIKE's own characters escaped by "\". */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A listing's filters with their values as its SQL uses them: the OS in lowercase, the text
 * as a LIKE pattern and (SQLite, three characters or more) an FTS5 phrase.
 */
interface ListingFilters {
  readonly readableBy?: number;
  readonly ownerId?: number;
  readonly diskFormat?: string;
  readonly os?: string;
  readonly sharedWith?: number;
  readonly sharedWithGroup?: number;
  readonly pattern?: string;
  readonly phrase?: string;
  readonly publicOnly: boolean;
  readonly viaGroups: readonly number[];
}

/** The filters that carry a value, in the order their values are passed to a compiled listing. */
const VALUED = ['readableBy', 'ownerId', 'diskFormat', 'os', 'sharedWith', 'sharedWithGroup', 'pattern', 'phrase'] as const;

/** Which filters are given (the shape of the SQL) and their values, in VALUED's order. */
function shapeOf(filters: ListingFilters): { shape: string; values: Array<string | number> } {
  const given = VALUED.filter((key) => filters[key] !== undefined);
  return { shape: [...given, ...(filters.publicOnly ? ['public'] : [])].join(','), values: given.map((key) => filters[key]!) };
}

/** The filters of `shape` with the values of a call (`shapeOf`'s values, then viaGroups), and the arguments after them. */
function filtersFrom(shape: string, args: readonly QueryArgument[]): { filters: ListingFilters; rest: readonly QueryArgument[] } {
  const keys = shape === '' ? [] : shape.split(',');
  const given = keys.filter((key) => key !== 'public');
  const filters = Object.fromEntries(given.map((key, i) => [key, args[i]])) as Partial<ListingFilters>;
  return {
    filters: { ...filters, publicOnly: keys.includes('public'), viaGroups: args[given.length] as readonly number[] },
    rest: args.slice(given.length + 1),
  };
}

/**
 * `totals` keeps the listings' totals (X-Total-Count) for a moment, so that paging through a
 * large listing counts it once rather than on every page (see open-metadata.ts for what
 * empties it); without it, every listing counts.
 */
export function createSqlImageStore(db: Kysely<Database>, dialect: MetadataDialect, totals?: ShortCache<number>): ImageStore {
  const joined = (executor: Kysely<Database> = db) => executor.selectFrom('images').innerJoin('users as owner', 'owner.id', 'images.owner_id');
  const selectRecord = (executor: Kysely<Database> = db) => joined(executor).selectAll('images').select(['owner.name as owner_name', versionCount]);
  // The lookups behind every image URL (metadata, HEAD, raw) and every listed image's shares: compiled once (reusable-query.ts).
  const findRows = reusableQuery(db, (ownerId: number, name: string) => selectRecord().where('images.owner_id', '=', ownerId).where('images.name', '=', name));
  // Users first (kind 0), then groups, each by name: one statement, one round trip on PostgreSQL.
  const shareRows = reusableQuery(db, (imageIds: readonly number[]) =>
    db
      .selectFrom('image_user_shares')
      .innerJoin('users', 'users.id', 'image_user_shares.user_id')
      .select(['image_user_shares.image_id', sql.lit<number>(0).as('kind'), 'users.name'])
      .where('image_user_shares.image_id', 'in', imageIds)
      .unionAll(
        db
          .selectFrom('image_group_shares')
          .innerJoin('groups', 'groups.id', 'image_group_shares.group_id')
          .select(['image_group_shares.image_id', sql.lit<number>(1).as('kind'), 'groups.name'])
          .where('image_group_shares.image_id', 'in', imageIds),
      )
      .orderBy('kind')
      .orderBy('name'));

  async function findById(id: number, executor: Kysely<Database> = db): Promise<ImageRecord | undefined> {
    const row = await selectRecord(executor).where('images.id', '=', id).executeTakeFirst();
    return row && toImageRecord(row);
  }

  /**
   * Every image `viewer` may read, as a union of index lookups (distinct ids): what the count
   * reads. The 1 of "public" is written into the SQL: SQLite uses migration 0010's partial
   * index only when it can see that value.
   */
  function readableIds(viewer: number, viaGroups: readonly number[]) {
    const union = db.selectFrom('images').select('images.id').where('images.owner_id', '=', viewer)
      .union(db.selectFrom('images').select('images.id').where('images.unauthenticated_access', '=', PUBLIC))
      .union(userShareIds(viewer))
      .union(groupShareIds(viewer));
    return viaGroups.length === 0 ? union : union.union(viaGroupShareIds(viaGroups));
  }

  /** The images shared with `viewer`, directly, through a stored group or one of `viaGroups`, repeats kept (for `in`). */
  function sharedIds(viewer: number, viaGroups: readonly number[]) {
    const shared = userShareIds(viewer).unionAll(groupShareIds(viewer));
    return viaGroups.length === 0 ? shared : shared.unionAll(viaGroupShareIds(viaGroups));
  }

  const userShareIds = (viewer: number) => db.selectFrom('image_user_shares').select('image_user_shares.image_id as id').where('image_user_shares.user_id', '=', viewer);
  const groupShareIds = (viewer: number) =>
    db.selectFrom('image_group_shares as gs').innerJoin('group_members as gm', 'gm.group_id', 'gs.group_id').select('gs.image_id as id').where('gm.user_id', '=', viewer);
  const viaGroupShareIds = (viaGroups: readonly number[]) =>
    db.selectFrom('image_group_shares').select('image_group_shares.image_id as id').where('image_group_shares.group_id', 'in', [...viaGroups]);

  /**
   * The listing's filters, on the images table alone (the count needs nothing else). Visibility
   * takes two forms with one meaning: a page walks rows in its order and stops after a page, so
   * it tests each row ("own or public", read from the row itself, or among the few shared ids);
   * the count reads every visible image, so it starts from the union of index lookups instead of
   * testing each of the table's rows.
   */
  function conditions(eb: ExpressionBuilder<Database, 'images'>, filters: ListingFilters, use: 'page' | 'count') {
    const list = [];
    if (filters.readableBy !== undefined) {
      const viewer = filters.readableBy;
      list.push(use === 'count'
        ? eb('images.id', 'in', readableIds(viewer, filters.viaGroups))
        // Unary plus keeps these terms off indexes: the page's order, not a MULTI-INDEX OR, decides the walk.
        : eb.or([
          sql<boolean>`+${eb.ref('images.owner_id')} = ${viewer}`,
          sql<boolean>`+${eb.ref('images.unauthenticated_access')} = ${PUBLIC}`,
          eb(sql<number>`+${eb.ref('images.id')}`, 'in', sharedIds(viewer, filters.viaGroups)),
        ]));
    }
    if (filters.ownerId !== undefined) list.push(eb('images.owner_id', '=', filters.ownerId));
    if (filters.publicOnly) list.push(eb('images.unauthenticated_access', '=', PUBLIC));
    if (filters.diskFormat !== undefined) list.push(eb('images.disk_format', '=', filters.diskFormat));
    if (filters.os !== undefined) {
      const os = filters.os;
      list.push(eb.or([sql<boolean>`lower(${eb.ref('images.os_type')}) = ${os}`, sql<boolean>`lower(${eb.ref('images.os_variant')}) = ${os}`]));
    }
    if (filters.sharedWith !== undefined) {
      list.push(eb('images.owner_id', '!=', filters.sharedWith));
      list.push(eb.or([sharedDirectly(eb, filters.sharedWith), sharedThroughGroup(eb, filters.sharedWith, filters.viaGroups)]));
    }
    if (filters.sharedWithGroup !== undefined) {
      const groupId = filters.sharedWithGroup;
      list.push(
        eb.exists(
          eb
            .selectFrom('image_group_shares as sg')
            .select('sg.image_id')
            .whereRef('sg.image_id', '=', 'images.id')
            .where('sg.group_id', '=', groupId),
        ),
      );
    }
    // The trigram index (SQLite; PostgreSQL's serves the LIKE itself) narrows the rows to
    // those holding every trigram of the text; the LIKE decides, so its meaning is unchanged.
    if (filters.phrase !== undefined) list.push(eb('images.id', 'in', sql<number>`(select rowid from images_search where images_search match ${filters.phrase})`));
    if (filters.pattern !== undefined) {
      const pattern = filters.pattern;
      list.push(
        eb.or([
          sql<boolean>`lower(${eb.ref('images.name')}) like ${pattern} escape '\\'`,
          sql<boolean>`lower(${eb.ref('images.description')}) like ${pattern} escape '\\'`,
        ]),
      );
    }
    return eb.and(list);
  }

  /** A query's filters with their values as the SQL uses them (ListingFilters). */
  function filtersOf(query: ImageQuery): ListingFilters {
    const text = query.text !== undefined && query.text !== '' ? query.text : undefined;
    return {
      ...(query.readableBy !== undefined && { readableBy: query.readableBy }),
      ...(query.ownerId !== undefined && { ownerId: query.ownerId }),
      ...(query.diskFormat !== undefined && { diskFormat: query.diskFormat }),
      ...(query.os !== undefined && { os: query.os.toLowerCase() }),
      ...(query.sharedWith !== undefined && { sharedWith: query.sharedWith }),
      ...(query.sharedWithGroup !== undefined && { sharedWithGroup: query.sharedWithGroup }),
      ...(text !== undefined && { pattern: containsPattern(text) }),
      ...(text !== undefined && dialect.substringIndex === 'fts5-trigram' && [...text].length >= 3 && { phrase: `"${text.replace(/"/g, '""')}"` }),
      publicOnly: query.publicOnly === true,
      // Only the visibility and shared-with filters read them (an admin's are no filter).
      viaGroups: query.readableBy !== undefined || query.sharedWith !== undefined ? query.viaGroups ?? [] : [],
    };
  }

  /**
   * The rows of a listing in its order. Without a text to search, the owners are walked in name
   * order and each one's images through the (owner, name) index (CROSS JOIN fixes that order on
   * SQLite), so that a page reads about as many rows as it shows, wherever it starts; with one,
   * the planner starts from the search index instead.
   */
  function ordered(filters: ListingFilters, walk: 'owners' | 'images' = 'owners') {
    const rows = filters.pattern !== undefined
      ? joined()
      : walk === 'owners'
        ? db.selectFrom('users as owner').crossJoin('images').whereRef('owner.id', '=', 'images.owner_id')
        : db.selectFrom('images').crossJoin('users as owner').whereRef('owner.id', '=', 'images.owner_id');
    return rows.where((eb) => conditions(eb as unknown as ExpressionBuilder<Database, 'images'>, filters, 'page'));
  }

  /**
   * The listing ordered by a key (name, upload time, size; a missing time or size as '' / -1 so
   * no NULL breaks the row comparison), then owner, name and id, all one way, so the keyset
   * condition is one row-value comparison with the cursor's position.
   */
  function byKey(filters: ListingFilters, sort: ImageSort, after: ImageListPosition | undefined) {
    const key = sort.key === 'name' ? sql.ref('images.name') : sort.key === 'uploaded' ? sql`coalesce(${sql.ref('images.uploaded')}, '')` : sql`coalesce(${sql.ref('images.size')}, -1)`;
    const direction = sort.descending ? 'desc' : 'asc';
    const row = sql`(${key}, ${sql.ref('owner.name')}, ${sql.ref('images.name')}, ${sql.ref('images.id')})`;
    // Images walked in key order (migration 0012's indexes) from a range on the key the planner
    // can use: up to or from the cursor's key, else from the lowest key there is (always true).
    const range = after === undefined
      ? sql<boolean>`${key} >= ${sort.key === 'size' ? sql.lit(-1) : sql.lit('')}`
      : sql<boolean>`${key} ${sql.raw(sort.descending ? '<=' : '>=')} ${after.key ?? null}`;
    return ordered(filters, 'images')
      .where(range)
      .$if(after !== undefined, (qb) => qb.where(sql<boolean>`${row} ${sql.raw(sort.descending ? '<' : '>')} (${after!.key ?? null}, ${after!.owner}, ${after!.name}, ${after!.id})`))
      .orderBy(key, direction)
      .orderBy('owner.name', direction)
      .orderBy('images.name', direction)
      .orderBy('images.id', direction);
  }

  /** A page of the listing: the query of `filters`, in the order `sort`, after `after`. */
  function pageQuery(filters: ListingFilters, sort: ImageSort | undefined, after: ImageListPosition | undefined, limit: number, offset: number) {
    const sorted = sort !== undefined && sort.key !== 'owner'
      ? byKey(filters, sort, after)
      : ordered(filters)
        .$if(after !== undefined, (qb) =>
          qb.where((eb) =>
            eb.and([
              // The first term lets the planner start at the owner's name instead of the beginning.
              eb('owner.name', '>=', after!.owner),
              eb(eb.refTuple('owner.name', 'images.name', 'images.id'), '>', eb.tuple(after!.owner, after!.name, after!.id)),
            ]),
          ),
        )
        .orderBy('owner.name')
        .orderBy('images.name')
        .orderBy('images.id');
    return sorted
      .selectAll('images')
      .select(['owner.name as owner_name', versionCount])
      .limit(limit)
      .offset(offset);
  }

  // Pages and counts compiled once per shape (which filters, which order, a cursor or not), not per call (reusable-query.ts).
  const pageRows = reusableQueries(db, (shape: string) => {
    const [filterShape = '', sortName = '', afterGiven = ''] = shape.split('|');
    const sort = sortName === '' ? undefined : { key: sortName.replace(/^-/, '') as ImageSort['key'], descending: sortName.startsWith('-') };
    return (...args: readonly QueryArgument[]) => {
      const { filters, rest } = filtersFrom(filterShape, args);
      // The cursor's position (its key only in an order by key), then limit and offset.
      const position = afterGiven === '' ? [] : rest.slice(0, sort === undefined ? 3 : 4);
      const [limit, offset] = rest.slice(position.length) as [number, number];
      const [key, owner, name, id] = sort === undefined ? [undefined, ...position] : position;
      const after = afterGiven === '' ? undefined : ({ key, owner, name, id } as ImageListPosition);
      return pageQuery(filters, sort, after, limit, offset);
    };
  });
  const countRows = reusableQueries(db, (filterShape: string) => (...args: readonly QueryArgument[]) => {
    const { filters } = filtersFrom(filterShape, args);
    // Visibility alone (an ordinary user's plain listing): the union's distinct ids are the
    // images (shares reference existing ones), so they are counted without reading a row.
    if (filterShape === 'readableBy') return db.selectFrom(readableIds(filters.readableBy!, filters.viaGroups).as('visible')).select((eb) => eb.fn.countAll().as('n'));
    return db.selectFrom('images').where((eb) => conditions(eb, filters, 'count')).select((eb) => eb.fn.countAll().as('n'));
  });

  function countOf(filters: ListingFilters): Promise<number> {
    const { shape, values } = shapeOf(filters);
    const count = async () => Number((await countRows(shape, ...values, filters.viaGroups))[0]?.n ?? 0);
    if (totals === undefined) return count();
    return totals.get(JSON.stringify([shape, values, filters.viaGroups]), count);
  }

  return {
    create: (image: NewImage) =>
      guardConstraints(dialect, { unique: `an image named ${image.name} of this owner`, missing: 'the owner' }, async () => {
        const now = new Date().toISOString();
        const content = image.content;
        const id = await db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('images')
            .values({
              owner_id: image.ownerId,
              name: image.name,
              uuid: randomUUID(),
              description: '',
              os_variant: '',
              os_type: '',
              os_arch: '',
              hypervisor: '',
              read_only: 0,
              unauthenticated_access: 0,
              ...fieldColumns(image),
              ...(content?.diskFormat != null && image.diskFormat === undefined && { disk_format: content.diskFormat }),
              virtual_size: content?.virtualSize ?? null,
              size: content?.size ?? null,
              checksum: content?.checksum ?? null,
              blob_key: content?.blobKey ?? null,
              version: content?.version ?? 0,
              status: content === undefined ? 'empty' : 'ready',
              created: now,
              uploaded: content?.uploaded ?? null,
              modified: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          // A clone starts with one version: the source's current one.
          if (content !== undefined) await recordCurrentVersion(trx, row.id, { ...(content.uploadedBy !== undefined && { uploadedBy: content.uploadedBy }) });
          return row.id;
        });
        const record = await findById(id);
        if (record === undefined) throw new Error(`image ${id} vanished right after its insertion`);
        return record;
      }),

    async find(ownerId, name) {
      const [row] = await findRows(ownerId, name);
      return row && toImageRecord(row);
    },

    findById: (id: number) => findById(id),

    update: (id: number, changes: ImageChanges) =>
      guardConstraints(dialect, { unique: `an image named ${changes.name ?? 'so'} of this owner`, missing: 'the new owner' }, async () => {
        const result = await db
          .updateTable('images')
          .set({
            ...fieldColumns(changes),
            ...(changes.name !== undefined && { name: changes.name }),
            ...(changes.ownerId !== undefined && { owner_id: changes.ownerId }),
            modified: new Date().toISOString(),
          })
          .where('id', '=', id)
          .executeTakeFirst();
        return result.numUpdatedRows > 0n ? findById(id) : undefined;
      }),

    recordUpload: (id, blob, options) =>
      db.transaction().execute(async (trx) => {
        const now = new Date().toISOString();
        const result = await trx
          .updateTable('images')
          .set((eb) => ({
            blob_key: blob.key,
            size: blob.size,
            checksum: blob.sha256,
            status: 'ready' as const,
            uploaded: now,
            modified: now,
            version: eb('version', '+', 1),
            ...(blob.detected !== undefined && {
              disk_format: sql<string>`case when ${eb.ref('disk_format_set')} = 1 then ${eb.ref('disk_format')} else ${blob.detected.diskFormat} end`,
              virtual_size: blob.detected.virtualSize,
            }),
          }))
          .where('id', '=', id)
          .where('read_only', '=', 0)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) return undefined;
        await recordCurrentVersion(trx, id, options);
        return findById(id, trx);
      }),

    listVersions: (imageId) => listVersions(db, imageId),

    findVersion: (imageId, version) => findVersion(db, imageId, version),

    rollback: (imageId, version, options) =>
      db.transaction().execute(async (trx) => {
        // The image row first: its lock orders this against uploads, rollbacks and deletions of versions.
        const image = await trx.updateTable('images').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', imageId).where('read_only', '=', 0).returning('id').executeTakeFirst();
        if (image === undefined) {
          const exists = await trx.selectFrom('images').select('id').where('id', '=', imageId).executeTakeFirst();
          return { kind: exists === undefined ? ('image-missing' as const) : ('read-only' as const) };
        }
        const old = await findVersion(trx, imageId, version);
        // Throwing undoes the bump above.
        if (old === undefined) throw new VersionMissing();
        const now = new Date().toISOString();
        await trx
          .updateTable('images')
          .set({
            blob_key: old.blobKey,
            size: old.size,
            checksum: old.sha256,
            disk_format: old.diskFormat,
            virtual_size: old.virtualSize,
            status: 'ready' as const,
            uploaded: now,
            modified: now,
          })
          .where('id', '=', imageId)
          .execute();
        await recordCurrentVersion(trx, imageId, options);
        const record = await findById(imageId, trx);
        if (record === undefined) throw new Error(`image ${imageId} vanished inside its own transaction`);
        return { kind: 'done' as const, image: record };
      }).catch((error: unknown) => {
        if (error instanceof VersionMissing) return { kind: 'version-missing' as const };
        throw error;
      }),

    deleteVersion: (imageId, version) =>
      db.transaction().execute(async (trx) => {
        const image = await trx.updateTable('images').set((eb) => ({ modified: eb.ref('modified') })).where('id', '=', imageId).returning('version').executeTakeFirst();
        if (image === undefined) return 'missing' as const;
        if (Number(image.version) === version) return 'current' as const;
        const result = await trx.deleteFrom('image_versions').where('image_id', '=', imageId).where('version', '=', version).executeTakeFirst();
        return result.numDeletedRows > 0n ? ('deleted' as const) : ('missing' as const);
      }),

    async delete(id) {
      const result = await db.deleteFrom('images').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async list(query) {
      const { after, sort } = query;
      const filters = filtersOf(query);
      const { shape, values } = shapeOf(filters);
      const order = sort !== undefined && sort.key !== 'owner' ? `${sort.descending ? '-' : ''}${sort.key}` : '';
      const position = after === undefined ? [] : [...(order === '' ? [] : [after.key ?? null]), after.owner, after.name, after.id];
      const [rows, count] = await Promise.all([
        // One row more than asked tells whether another page follows.
        pageRows(`${shape}|${order}|${after === undefined ? '' : 'after'}`, ...values, filters.viaGroups, ...position, query.limit + 1, query.offset),
        countOf(filters),
      ]);
      return { images: rows.slice(0, query.limit).map(toImageRecord), total: count, more: rows.length > query.limit };
    },

    async sharesOf(imageIds) {
      const shares = new Map<number, { users: string[]; groups: string[] }>();
      for (const id of imageIds) shares.set(id, { users: [], groups: [] });
      if (imageIds.length === 0) return shares as Map<number, ImageShares>;
      for (const row of await shareRows(imageIds)) {
        const entry = shares.get(row.image_id);
        if (Number(row.kind) === 0) entry?.users.push(row.name);
        else entry?.groups.push(row.name);
      }
      return shares as Map<number, ImageShares>;
    },

    async isSharedWith(imageId, userId, viaGroups = []) {
      const row = await joined()
        .select('images.id')
        .where('images.id', '=', imageId)
        .where((eb) => eb.or([sharedDirectly(eb, userId), sharedThroughGroup(eb, userId, viaGroups)]))
        .executeTakeFirst();
      return row !== undefined;
    },

    shareWithUser: (imageId: number, userId: number) =>
      guardConstraints(dialect, { missing: 'the image or the user' }, async () => {
        await db
          .insertInto('image_user_shares')
          .values({ image_id: imageId, user_id: userId })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }),

    async unshareWithUser(imageId, userId) {
      const result = await db
        .deleteFrom('image_user_shares')
        .where('image_id', '=', imageId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    shareWithGroup: (imageId: number, groupId: number) =>
      guardConstraints(dialect, { missing: 'the image or the group' }, async () => {
        await db
          .insertInto('image_group_shares')
          .values({ image_id: imageId, group_id: groupId })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }),

    async unshareWithGroup(imageId, groupId) {
      const result = await db
        .deleteFrom('image_group_shares')
        .where('image_id', '=', imageId)
        .where('group_id', '=', groupId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async referencedBlobKeys() {
      const [current, kept] = await Promise.all([
        db.selectFrom('images').select('blob_key').distinct().where('blob_key', 'is not', null).execute(),
        db.selectFrom('image_versions').select('blob_key').distinct().execute(),
      ]);
      return new Set([...current.map((row) => row.blob_key), ...kept.map((row) => row.blob_key)].filter((key): key is string => key !== null));
    },

    async isBlobReferenced(key) {
      const [image, version] = await Promise.all([
        db.selectFrom('images').select('id').where('blob_key', '=', key).limit(1).executeTakeFirst(),
        db.selectFrom('image_versions').select('id').where('blob_key', '=', key).limit(1).executeTakeFirst(),
      ]);
      return image !== undefined || version !== undefined;
    },
  };
}
