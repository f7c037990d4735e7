/**
 * Test-only harness: a fresh data directory, a migrated SQLite database, a blob store, an `admin` user, and
 * the app built with an `identify` that trusts the `x-test-dn` header (and `x-test-limited`, and
 * `x-test-fqans`: the trusted VOMS FQANs as a JSON list)
 * instead of a TLS chain. Requests go through fastify's `inject`, in-process. Never used by
 * the server itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load-config.js';
import type { RepomanConfig } from '../../src/config/config-types.js';
import { CONTRACT_VIOLATION_LOG } from '../../src/http/contract-check.js';
import { buildApp } from '../../src/http/build-app.js';
import type { WebFiles } from '../../src/http/web-ui.js';
import type { MetadataStores } from '../../src/metadata/metadata-store.js';
import { openMetadata, type OpenMetadata } from '../../src/metadata/open-metadata.js';
import { ensureAdmin } from '../../src/services/admin-bootstrap.js';
import { createBlobStore, type BlobStore } from '../../src/storage/index.js';

export const TEST_DN_HEADER = 'x-test-dn';
export const ADMIN_DN = '/DC=org/DC=repoman-test/OU=People/CN=Ada Admin';

export interface RequestOptions {
  /** The client DN; omitted: no certificate. */
  readonly dn?: string;
  /** The trusted VOMS FQANs of the request (with `dn`). */
  readonly fqans?: readonly string[];
  /** A JSON body (serialized here). */
  readonly json?: unknown;
  /** A form-encoded body. */
  readonly form?: Record<string, string | string[]>;
  /** A raw body, sent as is. */
  readonly payload?: string | Buffer;
  readonly headers?: Record<string, string>;
}

export interface TestApp {
  readonly app: FastifyInstance;
  readonly metadata: OpenMetadata;
  readonly config: RepomanConfig;
  /** The blob store under `config.storage.path`. */
  readonly blobs: BlobStore;
  readonly dir: string;
  /** Every JSON log line written so far. */
  readonly logs: string[];
  request(method: string, url: string, options?: RequestOptions): Promise<LightMyRequestResponse>;
  /** A user registered directly in the store (no HTTP), member of `users` and of `groups`. */
  addUser(name: string, dn: string, groups?: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly plainHttp?: boolean;
  /** Replaces the stores the app sees (e.g. to inject failures). */
  readonly wrapMetadata?: (metadata: MetadataStores) => MetadataStores;
  /** Environment overrides of the config (e.g. `REPOMAN_LIMITS_MAX_IMAGE_BYTES`). */
  readonly env?: Record<string, string>;
  /** Replaces the blob store the app sees (e.g. to observe or delay it). */
  readonly wrapBlobs?: (blobs: BlobStore) => BlobStore;
  /** The built web UI to serve (`loadWebFiles`); default none. */
  readonly webFiles?: WebFiles;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'repoman-server-test-'));
  const config = loadConfig({ env: options.env ?? {}, cwd: dir });
  const blobs = await createBlobStore(config.storage);
  const metadata = openMetadata(config.database.url);
  await metadata.migrate();
  await ensureAdmin(metadata, 'admin', ADMIN_DN);
  const logs: string[] = [];
  const app = buildApp({
    config,
    metadata: options.wrapMetadata ? options.wrapMetadata(metadata) : metadata,
    blobs: options.wrapBlobs ? options.wrapBlobs(blobs) : blobs,
    logDestination: { write: (line: string) => logs.push(line) },
    identify: async (request) => {
      const dn = request.headers[TEST_DN_HEADER];
      const fqans = request.headers['x-test-fqans'];
      return typeof dn === 'string'
        ? { dn: decodeURIComponent(dn), limited: request.headers['x-test-limited'] === '1', fqans: typeof fqans === 'string' ? (JSON.parse(fqans) as string[]) : [] }
        : null;
    },
    plainHttp: options.plainHttp ?? false,
    ...(options.webFiles !== undefined && { webFiles: options.webFiles }),
    // Every answer of every in-process test is checked against @repoman/api; close() fails on a mismatch.
    contractCheck: true,
  });
  await app.ready();

  return {
    app,
    metadata,
    config,
    blobs,
    dir,
    logs,
    request(method, url, request = {}) {
      const headers: Record<string, string> = { ...request.headers };
      if (request.dn !== undefined) headers[TEST_DN_HEADER] = encodeURIComponent(request.dn);
      if (request.fqans !== undefined) headers['x-test-fqans'] = JSON.stringify(request.fqans);
      let payload: string | Buffer | undefined = request.payload;
      if (request.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        payload = JSON.stringify(request.json);
      } else if (request.form !== undefined) {
        headers['content-type'] ??= 'application/x-www-form-urlencoded';
        const params = new URLSearchParams();
        for (const [key, value] of Object.entries(request.form)) {
          for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
        }
        payload = params.toString();
      }
      return app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload }) });
    },
    async addUser(name, dn, groups = []) {
      const ids: number[] = [];
      for (const group of groups) {
        const record = await metadata.groups.findByName(group);
        if (!record) throw new Error(`no group ${group}`);
        ids.push(record.id);
      }
      await metadata.users.create({ name, clientDn: dn }, ids);
    },
    async close() {
      await app.close();
      await metadata.close();
      await rm(dir, { recursive: true, force: true });
      const violations = logs.filter((line) => line.includes(CONTRACT_VIOLATION_LOG));
      if (violations.length > 0) throw new Error(`answers outside the API schema:\n${violations.join('\n')}`);
    },
  };
}

/** Every row of every account and image table, for "nothing changed" comparisons. */
export async function dumpDatabase(metadata: OpenMetadata): Promise<Record<string, unknown[]>> {
  const tables = ['users', 'groups', 'group_members', 'group_permissions', 'images', 'image_user_shares', 'image_group_shares', 'image_versions'] as const;
  const dump: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = await metadata.db.selectFrom(table).selectAll().execute();
    dump[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return dump;
}

/** The parsed `{"error": {...}}` envelope of a response, asserting its shape. */
export function errorOf(response: LightMyRequestResponse): { code: string; message: string } {
  const body = response.json() as { error?: { code?: unknown; message?: unknown } };
  if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string' || Object.keys(body).length !== 1) {
    throw new Error(`not an error envelope: ${response.body}`);
  }
  return { code: body.error.code, message: body.error.message };
}
