/**
 * API fuzzing from the schema (fast-check): requests generated from `@repoman/api`'s route table —
 * valid ones (names of existing and missing records, bodies built from the body schemas, query
 * values, ranges, conditional headers) and hostile ones (path tricks and control characters in
 * names, unknown fields, wrong types, any JSON, broken JSON, form bodies, wrong content types,
 * odd headers) — go to every route, as every kind of caller (anonymous, unknown DN, user, owner,
 * sharee, admin, suspended), in-process against SQLite and the filesystem store. Fails on any
 * 5xx, any answer outside the route's schema (`validateAnswer`, and the app's own contract
 * check), and any change to the database rows or the blob files after a 4xx.
 *
 * Bounded for CI: a fixed seed, `REPOMAN_FUZZ_RUNS` runs (default 100) of a few requests each on
 * a fresh repository, stopped after `REPOMAN_FUZZ_SECONDS` (default 45). To search longer:
 *   REPOMAN_FUZZ_RUNS=5000 REPOMAN_FUZZ_SECONDS=1800 REPOMAN_FUZZ_SEED=$RANDOM \
 *     node --import tsx --test packages/server/test/api-fuzz.test.ts
 * A failure prints the seed and the shrunk request sequence to replay it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { findRoute, formBody, PERMISSIONS, ROUTES, validateAnswer, type RouteDescriptor } from '@repoman/api';
import { Kind, type TObject, type TSchema } from '@sinclair/typebox';
import fc from 'fast-check';
import { ADMIN_DN, createTestApp, dumpDatabase, type TestApp } from './helpers/test-app.js';

const SEED = Number(process.env.REPOMAN_FUZZ_SEED ?? 20261207);
const RUNS = Number(process.env.REPOMAN_FUZZ_RUNS ?? 100);
const SECONDS = Number(process.env.REPOMAN_FUZZ_SECONDS ?? 45);

const DN = { owner: '/O=Grid/CN=Olive Owner', sharee: '/O=Grid/CN=Sam Sharee', user: '/O=Grid/CN=Uma User', suspended: '/O=Grid/CN=Sue Suspended' };
const CALLERS: Readonly<Record<string, string | undefined>> = {
  anonymous: undefined,
  unknown: '/O=Grid/CN=Nobody Known',
  user: DN.user,
  owner: DN.owner,
  sharee: DN.sharee,
  admin: ADMIN_DN,
  suspended: DN.suspended,
};

/** A repository with records every route can find: users, a group, images (public with bytes, shared, empty). */
async function seededRepository(): Promise<TestApp> {
  const t = await createTestApp();
  const as = (dn: string, method: string, url: string, json?: unknown, payload?: string) =>
    t.request(method, url, { dn, ...(json !== undefined && { json }), ...(payload !== undefined && { payload }) }).then((response) => {
      if (response.statusCode >= 300) throw new Error(`seeding ${method} ${url}: ${response.statusCode} ${response.body}`);
    });
  await t.addUser('olive', DN.owner);
  await t.addUser('sam', DN.sharee);
  await t.addUser('uma', DN.user);
  await t.addUser('sue', DN.suspended);
  await as(ADMIN_DN, 'PATCH', '/api/users/sue', { suspended: true });
  await as(ADMIN_DN, 'POST', '/api/groups', { name: 'atlas', users: ['olive', 'sam'], permissions: ['image_create'] });
  await as(DN.owner, 'POST', '/api/images', { name: 'pub.img', description: 'public', unauthenticated_access: true });
  await as(DN.owner, 'PUT', '/api/images/raw/pub.img', undefined, 'public bytes');
  await as(DN.owner, 'POST', '/api/images', { name: 'priv.img' });
  await as(DN.owner, 'PUT', '/api/images/raw/priv.img', undefined, 'private bytes');
  await as(DN.owner, 'PUT', '/api/images/priv.img/share/user/sam');
  await as(DN.owner, 'PUT', '/api/images/priv.img/share/group/atlas');
  await as(DN.owner, 'POST', '/api/images', { name: 'empty.img' });
  return t;
}

/** The database rows and every file of the blob store (path and content hash). */
async function snapshot(t: TestApp): Promise<unknown> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push(`${path} ${createHash('sha256').update(await readFile(path)).digest('hex')}`);
    }
  };
  await walk(t.config.storage.path);
  return { rows: await dumpDatabase(t.metadata), files: files.sort() };
}

// Names: those of the seeded records, valid ones of nothing, and hostile ones.
const HOSTILE = ['..', '.', 'a/b', '%2e%2e', 'nul\u0000x', 'x'.repeat(300), 'raw', 'api', 'Bob', '-x', ' olive', 'olive ', 'é', '%', '%zz', '<script>', "o'live", 'a\nb'];
const accountName = fc.oneof(fc.constantFrom('olive', 'sam', 'uma', 'sue', 'admin', 'admins', 'users', 'atlas', 'ghost'), fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/));
const imageName = fc.oneof(fc.constantFrom('pub.img', 'priv.img', 'empty.img', 'none.img'), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,12}$/));
const hostileText = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 10 }));
const permission = fc.oneof(fc.constantFrom(...PERMISSIONS), fc.constantFrom('fly', ''));

/** A value for a schema: valid most of the time (names from the pools), sometimes hostile. */
function valueOf(schema: TSchema, field: string): fc.Arbitrary<unknown> {
  const kind = schema[Kind] as string | undefined;
  const valid = ((): fc.Arbitrary<unknown> => {
    if (Array.isArray(schema.enum)) return permission;
    if (kind === 'Boolean') return fc.boolean();
    if (kind === 'Integer') return fc.integer({ min: -2, max: 1500 });
    if (kind === 'Array') return fc.array(valueOf(schema.items as TSchema, field), { maxLength: 3 });
    if (kind === 'Union') return fc.oneof(...(schema.anyOf as TSchema[]).map((branch) => valueOf(branch, field)));
    if (/name|owner|user|group|target/.test(field)) return /image|^name$/.test(field) && !/group|user/.test(String(schema.description)) ? imageName : accountName;
    if (field === 'expires') return fc.constantFrom('', '2030-01-01', '2001-01-01T00:00:00Z', 'soon');
    return fc.string({ maxLength: 30 });
  })();
  return fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: hostileText, weight: 1 }, { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 });
}

function objectOf(schema: TObject): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, valueOf(field as TSchema, name)]));
  const known = fc.record(fields, { requiredKeys: schema.required ?? [] });
  const unknownField = fc.dictionary(fc.constantFrom('admin', 'size', '__proto__', 'constructor', 'id', 'x'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
  return fc.oneof({ arbitrary: known, weight: 5 }, { arbitrary: fc.tuple(known, unknownField).map(([a, b]) => ({ ...a, ...b })), weight: 1 }, fc.record(fields, { requiredKeys: [] }));
}

interface Request {
  readonly route: string;
  readonly caller: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
}

function pathOf(route: RouteDescriptor): fc.Arbitrary<string> {
  const names = (route.url.match(/:\w+/g) ?? []).map((param) => param.slice(1));
  const params = route.params?.properties ?? {};
  return fc
    .tuple(
      ...names.map((name) =>
        fc.tuple(
          fc.oneof({ arbitrary: valueOf(params[name] as TSchema, name === 'image' ? 'image' : name), weight: 5 }, { arbitrary: hostileText, weight: 1 }),
          fc.boolean(),
        ),
      ),
    )
    .map((values) => {
      let url = route.url;
      names.forEach((name, index) => {
        const [value, raw] = values[index] as [unknown, boolean];
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        // Mostly encoded as a client would; sometimes as typed, for the router's own refusals.
        // eslint-disable-next-line no-control-regex
        url = url.replace(`:${name}`, raw && !/[\s\u0000-\u001f?#]/.test(text) ? text || 'x' : encodeURIComponent(text) || 'x');
      });
      return url;
    });
}

function queryOf(route: RouteDescriptor): fc.Arbitrary<string> {
  const query = route.query === undefined ? fc.constant({}) : objectOf(route.query);
  return fc.oneof(
    { arbitrary: query.map((fields) => new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()), weight: 4 },
    { arbitrary: fc.constantFrom('', 'shared', 'limit=1&limit=2', 'cursor=AAAA', 'offset=1&cursor=x', '%zz=1', 'a[b]=c'), weight: 1 },
  );
}

const extraHeaders = fc.dictionary(
  fc.constantFrom('range', 'if-none-match', 'if-modified-since', 'origin', 'x-checksum-sha256', 'repr-digest', 'accept', 'expect', 'sec-fetch-site'),
  fc.constantFrom('bytes=0-3', 'bytes=5-', 'bytes=-2', 'bytes=9-1', '*', '"x"', 'Mon, 01 Jan 2001 00:00:00 GMT', 'https://evil.example', 'cross-site', '0'.repeat(64), 'sha-256=:AAAA:', 'garbage', '100-continue'),
  { maxKeys: 2 },
);

function bodyOf(route: RouteDescriptor): fc.Arbitrary<{ headers: Record<string, string>; payload?: string | Buffer }> {
  const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(value) });
  const hostile = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }).map(json),
    fc.constantFrom('{', '{"name":', 'null', '[]', '"x"', '').map((payload) => ({ headers: { 'content-type': 'application/json' }, payload })),
    fc.tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', 'application/json; charset=latin1'), fc.string({ maxLength: 20 })).map(([type, payload]) => ({ headers: { 'content-type': type }, payload })),
    fc.constant({ headers: {} }),
  );
  if (route.body === 'bytes') {
    return fc.oneof(fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(bytes) })), hostile);
  }
  if (route.body === undefined) return fc.oneof({ arbitrary: fc.constant({ headers: {} }), weight: 4 }, hostile);
  const schema = route.body;
  const form = objectOf(formBody(schema)).map((fields) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) for (const item of [value].flat()) params.append(key, typeof item === 'string' ? item : JSON.stringify(item));
    return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: params.toString() };
  });
  return fc.oneof({ arbitrary: objectOf(schema).map(json), weight: 5 }, { arbitrary: form, weight: 2 }, { arbitrary: hostile, weight: 2 });
}

// Mostly callers who get past the door, so that requests reach the services.
const callerArb = fc.oneof(
  { arbitrary: fc.constantFrom('owner', 'admin'), weight: 4 },
  { arbitrary: fc.constantFrom('sharee', 'user'), weight: 2 },
  { arbitrary: fc.constantFrom('anonymous', 'unknown', 'suspended'), weight: 1 },
);

function requestFor(route: RouteDescriptor): fc.Arbitrary<Request> {
  return fc.record({
    route: fc.constant(route.id),
    caller: callerArb,
    method: fc.constantFrom(...route.methods, ...(route.methods.includes('GET') ? ['HEAD'] : [])),
    url: fc.tuple(pathOf(route), queryOf(route)).map(([path, query]) => (query === '' ? path : `${path}?${query}`)),
    body: bodyOf(route),
    extra: extraHeaders,
  }).map(({ body, extra, ...request }) => ({ ...request, headers: { ...extra, ...body.headers }, ...(body.payload !== undefined && { payload: body.payload }) }));
}

const requestArb = fc.constantFrom(...ROUTES).chain(requestFor);

/** Answers by status class, for the run's summary. */
const seen = new Map<string, number>();

/** Sends one request and checks the answer; returns what is wrong, or nothing. */
async function check(t: TestApp, request: Request): Promise<string | undefined> {
  const before = await snapshot(t);
  const response = await t.request(request.method, request.url, { dn: CALLERS[request.caller], headers: request.headers, ...(request.payload !== undefined && { payload: request.payload }) });
  const status = response.statusCode;
  const kind = `${String(status).charAt(0)}xx`;
  seen.set(kind, (seen.get(kind) ?? 0) + 1);
  const what = `${request.caller}: ${request.method} ${request.url} → ${status} ${response.body.slice(0, 300)}`;
  if (status >= 500) return `a 5xx: ${what}`;
  // The route that answered: a `.`, `..` or `/` typed into a name leads elsewhere (the URL is
  // normalized, and the server drops a trailing slash).
  const route = findRoute(request.method, new URL(request.url, 'http://fuzz.invalid').pathname.replace(/(.)\/+$/, '$1'));
  const json = String(response.headers['content-type'] ?? '').startsWith('application/json') && response.rawPayload.length > 0;
  if (route !== undefined && status < 400) {
    const answer = validateAnswer(route, status, json ? response.body : response.rawPayload, { headers: response.headers, method: request.method });
    if (!answer.ok) return `outside the schema (${answer.problems.join('; ')}): ${what}`;
  } else if (route !== undefined && json) {
    const body = response.json<{ error?: { code?: unknown } }>();
    if (typeof body.error?.code !== 'string') return `an error answer without the envelope: ${what}`;
  }
  if (status >= 400) {
    try {
      assert.deepEqual(await snapshot(t), before);
    } catch {
      return `stored data changed after a ${status}: ${what}`;
    }
  }
  return undefined;
}

test('every route answers every kind of caller within its schema (one generated request each)', { timeout: 120_000 }, async () => {
  const t = await seededRepository();
  try {
    const problems: string[] = [];
    for (const route of ROUTES) {
      for (const caller of Object.keys(CALLERS)) {
        const [sample] = fc.sample(requestFor(route), { seed: SEED, numRuns: 1 });
        const problem = await check(t, { ...(sample as Request), caller });
        if (problem !== undefined) problems.push(problem);
      }
    }
    assert.deepEqual(problems, []);
  } finally {
    await t.close();
  }
});

test('the check sees a 5xx, an answer outside the schema and a change after a 4xx', async () => {
  const t = await seededRepository();
  try {
    const request: Request = { route: 'getUser', caller: 'admin', method: 'GET', url: '/api/users/Bad', headers: {} };
    assert.equal(await check(t, request), undefined);
    const real = t.request.bind(t);
    const answering = (change: (response: Awaited<ReturnType<TestApp['request']>>) => Promise<void>) =>
      Object.assign(Object.create(t) as TestApp, { request: async (...args: Parameters<TestApp['request']>) => {
        const response = await real(...args);
        await change(response);
        return response;
      } });
    assert.match(String(await check(answering(async () => t.addUser('sneaky', '/O=Grid/CN=Sneaky')), request)), /stored data changed after a 400/);
    assert.match(String(await check(answering(async (response) => void (response.statusCode = 502)), request)), /a 5xx/);
    const ok: Request = { route: 'getUser', caller: 'admin', method: 'GET', url: '/api/users/olive', headers: {} };
    assert.match(String(await check(answering(async (response) => void (response.body = '{"user_name":"olive"}')), ok)), /outside the schema/);
  } finally {
    await t.close();
  }
});

test('generated valid and hostile request sequences: no 5xx, answers within the schema, no change after a 4xx', { timeout: (SECONDS + 60) * 1000 }, async (context) => {
  seen.clear();
  await fc.assert(
    fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 6 }), async (requests) => {
      const t = await seededRepository();
      try {
        for (const request of requests) {
          const problem = await check(t, request);
          assert.equal(problem, undefined, problem);
        }
      } finally {
        await t.close();
      }
    }),
    { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false, includeErrorInReport: true },
  );
  context.diagnostic(`seed ${SEED}; answers: ${[...seen].sort().map(([kind, count]) => `${count} ${kind}`).join(', ')}`);
});
