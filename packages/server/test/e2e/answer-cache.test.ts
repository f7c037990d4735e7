// The answer cache and its fast path (`http/fast-answers.ts`, `[server] answer_cache`), on the
// real server over real TLS with grid-proxy-init proxies, on keep-alive connections as clouds
// and the web UI use them: a repeated GET on a connection is answered from the cache (a write
// made behind the server's back, as another instance would, shows only after ≤ 1 s), byte for
// byte as the full path answers it (Date aside), 304 on If-None-Match; two callers never see
// each other's answers; every write made through the server — metadata, a new version, shares,
// deletion, suspension, group membership — shows on the very next GET, on that connection and
// on another; fast answers are counted in /metrics; `answer_cache = false` turns it all off.
// Run on SQLite and, when installed, PostgreSQL.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { toPem } from '@repoman/x509';
import { openMetadata, type OpenMetadata } from '../../src/metadata/open-metadata.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { POSTGRES_PACKAGES, startPostgres, type Postgres } from '../helpers/test-services.js';

interface Answer {
  status: number;
  /** Name/value pairs as received, in order. */
  raw: string[];
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One keep-alive TLS connection presenting a grid proxy (or nothing): every request of it goes over the same socket. */
class Connection {
  private readonly agent: Agent;
  constructor(site: GridSite, proxyPem: string | null, private readonly base: string) {
    this.agent = new Agent({
      keepAlive: true, maxSockets: 1, ca: toPem(site.ca.cert), servername: 'localhost',
      ...(proxyPem !== null && { cert: proxyPem, key: proxyPem }),
    });
  }

  send(method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
    const headers = { ...options.headers };
    if (typeof options.body === 'string') headers['content-type'] ??= 'application/json';
    return new Promise((resolve, reject) => {
      const outgoing = request(`${this.base}${path}`, { method, agent: this.agent, headers }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk)).once('end', () => {
          resolve({ status: incoming.statusCode ?? 0, raw: incoming.rawHeaders, headers: incoming.headers, body: Buffer.concat(chunks).toString() });
        });
      });
      outgoing.once('error', reject);
      outgoing.end(options.body);
    });
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send('GET', path, { headers });
  }

  json(method: string, path: string, body: unknown): Promise<Answer> {
    return this.send(method, path, { body: JSON.stringify(body) });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The headers as received, Date left out (node writes it fresh for every answer). */
function withoutDate(raw: string[]): string[][] {
  const pairs: string[][] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() !== 'date') pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** A Prometheus counter's value from a /metrics text (0 when absent). */
function counter(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

for (const database of ['sqlite', 'postgres'] as const) {
  describe(`the answer cache on ${database}`, () => {
    let postgres: Postgres | null = null;
    let site: GridSite;
    let admin: GridUser;
    let alice: GridUser;
    let bob: GridUser;
    let repo: Repository;
    let cold: Repository;
    let store: OpenMetadata;
    const open: Connection[] = [];
    const pems = new Map<GridUser, string>();
    let skip: string | null = null;

    const connect = (user: GridUser | null, on: Repository = repo): Connection => {
      const connection = new Connection(site, user === null ? null : pems.get(user)!, on.url);
      open.push(connection);
      return connection;
    };

    before(async () => {
      if (database === 'postgres') {
        postgres = await startPostgres();
        if (postgres === null) {
          skip = `PostgreSQL is not installed (apt-get install ${POSTGRES_PACKAGES})`;
          return;
        }
      }
      site = await makeGridSite();
      [admin, alice, bob] = await Promise.all([site.user('ada'), site.user('alice'), site.user('bob')]);
      for (const user of [admin, alice, bob]) pems.set(user, await readFile(user.proxyPath, 'utf8'));
      const databaseToml = postgres === null ? '' : `[database]\nurl = ${JSON.stringify(postgres.url)}`;
      repo = await startRepository({ site, adminDns: [admin.dn], extraToml: databaseToml });
      // The second instance on the same database: the test's own stores (as another server's).
      store = openMetadata(postgres?.url ?? `sqlite:${repo.dataDir}/repoman.db`);
      const ada = connect(admin);
      for (const user of [alice, bob]) {
        assert.equal((await ada.json('POST', '/api/users', { user_name: user.name, client_dn: user.dn })).status, 201);
      }
      assert.equal((await ada.json('POST', '/api/groups', { name: 'team' })).status, 201);
      const mine = connect(alice);
      assert.equal((await mine.json('POST', '/api/images', { name: 'private.img', description: 'first' })).status, 201);
      assert.equal((await mine.send('PUT', '/api/images/raw/private.img', { body: Buffer.alloc(1000, 1), headers: { 'content-type': 'application/octet-stream' } })).status, 200);
      // The server computes the block list of new bytes in the background (a write): let it finish.
      const { blobKey } = (await store.images.find((await store.users.findByName('alice'))!.id, 'private.img'))!;
      while ((await store.blobBlocks.find(blobKey!)) === undefined) await sleep(50);
    });

    after(async () => {
      for (const connection of open) connection.close();
      await store?.close();
      await cold?.cleanup();
      await repo?.cleanup();
      await site?.cleanup();
      await postgres?.stop();
    });

    it('a repeated GET on a connection is answered from the cache, byte for byte as the full path answers it, until 1 s has passed', async (t) => {
      if (skip !== null) return t.skip(skip);
      const first = connect(alice);
      const full = await first.get('/api/images/alice/private.img');
      assert.equal(full.status, 200, full.body);
      // Behind the server's back, as another instance on the database would write.
      const image = (await store.images.find((await store.users.findByName('alice'))!.id, 'private.img'))!;
      await store.images.update(image.id, { description: 'changed elsewhere' });
      const fast = await first.get('/api/images/alice/private.img');
      assert.equal(fast.body, full.body, 'kept: the write was not made through this server');
      assert.deepEqual(withoutDate(fast.raw), withoutDate(full.raw), 'the same headers, in the same order');
      // A new connection's first request takes the full path: it sees the change at once.
      const fresh = await connect(alice).get('/api/images/alice/private.img');
      assert.equal((JSON.parse(fresh.body) as { description: string }).description, 'changed elsewhere');
      await sleep(1_100);
      const later = await first.get('/api/images/alice/private.img');
      assert.equal((JSON.parse(later.body) as { description: string }).description, 'changed elsewhere', 'within 1 s on the old connection too');
      await store.images.update(image.id, { description: 'first' });
      await sleep(1_100);
    });

    it('answers whoami, the image listing and HEAD raw byte for byte as the full path, and If-None-Match with 304 as it does', async (t) => {
      if (skip !== null) return t.skip(skip);
      for (const [method, path] of [['GET', '/api/whoami'], ['GET', '/api/images?limit=1'], ['GET', '/api/users'], ['GET', '/api/groups'], ['HEAD', '/api/images/raw/alice/private.img'], ['GET', '/api/images/private.img']]) {
        const connection = connect(alice);
        const full = await connection.send(method!, path!);
        assert.equal(full.status, 200, `${method} ${path}: ${full.body}`);
        const fast = await connection.send(method!, path!);
        assert.deepEqual(withoutDate(fast.raw), withoutDate(full.raw), `${method} ${path}`);
        assert.equal(fast.body, full.body);
        const etag = String(full.headers.etag);
        // The full path's 304: the first request of a new connection.
        const other = connect(alice);
        const full304 = await other.send(method!, path!, { headers: { 'if-none-match': etag } });
        assert.equal(full304.status, 304, `${method} ${path}`);
        const fast304 = await other.send(method!, path!, { headers: { 'if-none-match': etag } });
        assert.equal(fast304.status, 304);
        assert.deepEqual(withoutDate(fast304.raw), withoutDate(full304.raw), `${method} ${path} 304`);
        assert.equal(fast304.body, '');
        const stale = await other.send(method!, path!, { headers: { 'if-none-match': '"another"' } });
        assert.equal(stale.status, 200);
      }
    });

    it('two callers never see each other\'s answers', async (t) => {
      if (skip !== null) return t.skip(skip);
      const ada = connect(admin);
      const bobs = connect(bob);
      const alices = connect(alice);
      const anonymous = connect(null);
      for (let round = 0; round < 3; round += 1) {
        const adminPage = await ada.get('/api/images');
        const bobPage = await bobs.get('/api/images');
        assert.equal((JSON.parse(adminPage.body) as unknown[]).length, 1, 'the admin sees alice\'s private image');
        assert.deepEqual(JSON.parse(bobPage.body), [], 'bob does not');
        assert.equal((await alices.get('/api/images/alice/private.img')).status, 200);
        assert.equal((await bobs.get('/api/images/alice/private.img')).status, 404, 'private to alice');
        assert.equal((await anonymous.get('/api/images/alice/private.img')).status, 401, 'not public: a certificate is needed');
        assert.equal(JSON.parse((await alices.get('/api/whoami')).body).user_name, 'alice');
        assert.equal(JSON.parse((await bobs.get('/api/whoami')).body).user_name, 'bob');
      }
    });

    it('every write through the server shows on the very next GET, on the same connection and on another', async (t) => {
      if (skip !== null) return t.skip(skip);
      const path = '/api/images/alice/private.img';
      const alices = [connect(alice), connect(alice)];
      const bobs = [connect(bob), connect(bob)];
      const ada = connect(admin);
      const warm = async (): Promise<void> => {
        for (const connection of [...alices, ...bobs]) await connection.get(path);
      };
      /** Each connection's next GET of the image passes `check` (the message says after what). */
      const seen = async (connections: Connection[], what: string, check: (answer: Answer, what: string) => void): Promise<void> => {
        for (const connection of connections) check(await connection.get(path), what);
      };

      await warm();
      assert.equal((await alices[0]!.json('PATCH', path, { description: 'patched' })).status, 200);
      await seen(alices, 'PATCH', (answer, what) => assert.equal(JSON.parse(answer.body).description, 'patched', what));

      await warm();
      const head = await alices[0]!.send('HEAD', '/api/images/raw/alice/private.img');
      assert.equal((await alices[1]!.send('HEAD', '/api/images/raw/alice/private.img')).headers['content-length'], '1000');
      assert.equal((await alices[0]!.send('PUT', '/api/images/raw/private.img', { body: Buffer.alloc(2000, 2), headers: { 'content-type': 'application/octet-stream' } })).status, 200);
      await seen(alices, 'new version', (answer, what) => assert.equal(JSON.parse(answer.body).size, 2000, what));
      for (const connection of alices) {
        const after = await connection.send('HEAD', '/api/images/raw/alice/private.img');
        assert.equal(after.headers['content-length'], '2000');
        assert.notEqual(after.headers.etag, head.headers.etag);
      }

      await warm();
      assert.equal((await alices[0]!.send('PUT', `${path}/share/user/bob`)).status, 200);
      await seen(bobs, 'share', (answer, what) => assert.equal(answer.status, 200, what));
      assert.equal((await alices[0]!.send('DELETE', `${path}/share/user/bob`)).status, 200);
      await seen(bobs, 'unshare', (answer, what) => assert.equal(answer.status, 404, what));

      await warm();
      assert.equal((await alices[0]!.send('PUT', `${path}/share/group/team`)).status, 200);
      await seen(bobs, 'not in the group', (answer, what) => assert.equal(answer.status, 404, what));
      assert.equal((await ada.send('PUT', '/api/groups/team/users/bob')).status < 300, true);
      await seen(bobs, 'joined the group', (answer, what) => assert.equal(answer.status, 200, what));
      assert.equal((await ada.send('DELETE', '/api/groups/team/users/bob')).status < 300, true);
      await seen(bobs, 'left the group', (answer, what) => assert.equal(answer.status, 404, what));

      for (const connection of bobs) assert.equal((await connection.get('/api/whoami')).status, 200);
      assert.equal((await ada.json('PATCH', '/api/users/bob', { suspended: true })).status, 200);
      for (const connection of bobs) assert.equal((await connection.get('/api/whoami')).status, 403, 'suspended: refused at once');
      assert.equal((await ada.json('PATCH', '/api/users/bob', { suspended: false })).status, 200);
      for (const connection of bobs) assert.equal((await connection.get('/api/whoami')).status, 200);

      await warm();
      assert.equal((await alices[0]!.json('POST', '/api/images/private.img/clone', { name: 'copy.img' })).status, 201);
      assert.equal((await alices[1]!.get('/api/images/copy.img')).status, 200);
      assert.equal((await alices[0]!.send('DELETE', '/api/images/copy.img')).status, 204);
      for (const connection of alices) assert.equal((await connection.get('/api/images/copy.img')).status, 404, 'deleted');
    });

    it('fast answers are counted in /metrics and logged as the full path logs them', async (t) => {
      if (skip !== null) return t.skip(skip);
      const connection = connect(alice);
      const labels = 'method="GET",route="/api/whoami",status="200"';
      const before = counter((await connect(admin).get('/metrics')).body, 'repoman_http_requests_total', labels);
      const lines = repo.log().split('\n').length;
      for (let i = 0; i < 5; i += 1) assert.equal((await connection.get('/api/whoami')).status, 200);
      const after = counter((await connect(admin).get('/metrics')).body, 'repoman_http_requests_total', labels);
      assert.equal(after - before, 5);
      const logged = repo.log().split('\n').slice(lines - 1).filter((line) => line.includes('"path":"/api/whoami"')).map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(logged.length, 5);
      for (const line of logged) {
        assert.deepEqual(Object.keys(line), ['level', 'time', 'reqId', 'method', 'path', 'status', 'bytes', 'dn', 'duration_ms', 'msg']);
        assert.equal(line.dn, alice.dn);
        assert.equal(line.status, 200);
      }
      assert.equal(new Set(logged.map((line) => line.reqId)).size, 5, 'a request id of its own each');
    });

    it('answer_cache = false: every GET takes the full path', async (t) => {
      if (skip !== null) return t.skip(skip);
      cold ??= await startRepository({ site, adminDns: [admin.dn], env: { REPOMAN_SERVER_ANSWER_CACHE: 'false' }, extraToml: `[database]\nurl = ${JSON.stringify(postgres?.url ?? `sqlite:${repo.dataDir}/repoman.db`)}` });
      const connection = connect(alice, cold);
      assert.equal((await connection.get('/api/images/alice/private.img')).status, 200);
      const image = (await store.images.find((await store.users.findByName('alice'))!.id, 'private.img'))!;
      await store.images.update(image.id, { description: 'seen at once' });
      assert.equal(JSON.parse((await connection.get('/api/images/alice/private.img')).body).description, 'seen at once');
    });
  });
}
