// HEPiX image lists end to end (SPEC §3 "HEPiX image lists"): a real repoman-server over real
// TLS publishes a list, and a subscriber played with curl, openssl and sha512sum
// (helpers/hepix-subscriber.ts) verifies it as vmcatcher and atrope do and downloads every
// image without a certificate: public images by their public URL, private ones through a
// download link the server made for the list, each pinned to the version the document states.
// A new upload shows in the next fetch with its new version and checksum, and every fetch in
// between verifies (the previous version stays listed until the new sha512 is ready); a revoked
// link is replaced by a new one; an image removed from the list, unshared from its owner or
// deleted disappears (and its links stop working); an image the owner cannot read is refused
// (404), an empty list is signed too, and a host key that cannot sign stops the server at
// start. Run on the embedded default (files + SQLite) and on Ceph RGW + PostgreSQL.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { curl, type CurlOptions, type CurlResult } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { makeSubscriber, type Subscriber, type SubscriberRun } from '../helpers/hepix-subscriber.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { CEPH_PACKAGES, POSTGRES_PACKAGES, startCephRgw, startPostgres, type CephRgw, type Postgres } from '../helpers/test-services.js';
import { randomFile, waitFor } from '../helpers/test-files.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

interface Backend {
  /** Extra TOML for the repository; null: skipped (with why). */
  start(): Promise<{ toml: string; stop: () => Promise<void> } | { skip: string }>;
}

const embedded: Backend = { start: async () => ({ toml: '', stop: async () => {} }) };

const cephAndPostgres: Backend = {
  async start() {
    const postgres: Postgres | null = await startPostgres();
    const ceph: CephRgw | null = postgres && (await startCephRgw());
    if (!postgres || !ceph) {
      await postgres?.stop();
      return { skip: `needs ${POSTGRES_PACKAGES} and ${CEPH_PACKAGES} (run .ci/run)` };
    }
    const toml = [
      '[database]', `url = ${JSON.stringify(postgres.url)}`,
      '[storage]', 'driver = "s3"', `endpoint = ${JSON.stringify(ceph.endpoint)}`, `region = ${JSON.stringify(ceph.region)}`,
      'bucket = "repoman-imagelists"', `access_key_id = ${JSON.stringify(ceph.accessKeyId)}`,
      `secret_access_key = ${JSON.stringify(ceph.secretAccessKey)}`, 'force_path_style = true',
    ].join('\n');
    return { toml, stop: async () => void (await Promise.all([ceph.stop(), postgres.stop()])) };
  },
};

function subscriberSuite(name: string, backend: Backend): void {
  describe(`a grid cloud subscribes to an image list (${name})`, () => {
    let skip: string | undefined;
    let stopBackend = async (): Promise<void> => {};
    let site: GridSite;
    let ada: GridUser;
    let bob: GridUser;
    let pam: GridUser;
    let repo: Repository;
    let subscriber: Subscriber;

    const as = (user: GridUser, path: string, options: Partial<CurlOptions> = {}): CurlResult =>
      curl(`${repo.url}${path}`, { caDir: site.caDir, credential: user.proxyPath, ...options });
    const upload = async (user: GridUser, image: string, size: number): Promise<void> => {
      const file = join(site.dir, `${image}.bytes`);
      await randomFile(file, size);
      const put = as(user, `/api/images/raw/${image}`, { args: ['-T', file] });
      assert.equal(put.status, 200, put.body);
    };
    const listRecord = (path = '/api/imagelists/bob/fedcloud') => as(bob, path).json as { version: string | null; images: { image: string; published: boolean; reason: string | null }[] };
    const titled = (run: SubscriberRun, title: string) => run.images.find((image) => image['dc:title'] === title);
    /** What an anonymous download of `uri` answers (no certificate), as a subscriber would get. */
    const anonymous = (uri: string): number => curl(uri, { caDir: site.caDir, args: ['-o', '/dev/null'] }).status;
    const listLinks = (user: GridUser, image: string) => {
      const got = as(user, `/api/images/${image}/links`);
      assert.equal(got.status, 200, got.body);
      return (got.json as { id: string; created_by: string; version: number | null; expires: string }[]).filter((link) => link.created_by === 'imagelist:bob/fedcloud');
    };

    before(async () => {
      const started = await backend.start();
      if ('skip' in started) {
        skip = started.skip;
        return;
      }
      stopBackend = started.stop;
      site = await makeGridSite();
      [ada, bob, pam] = [await site.user('ada'), await site.user('bob'), await site.user('pam')];
      repo = await startRepository({ site, adminDns: [ada.dn], extraToml: started.toml });
      for (const user of [bob, pam]) {
        assert.equal(as(ada, '/api/users', { method: 'POST', json: { user_name: user.name, client_dn: user.dn, full_name: `${user.name} Example` } }).status, 201);
      }
      assert.equal(as(bob, '/api/images', { method: 'POST', json: { name: 'debian.img', description: 'Debian 12 for the cloud', unauthenticated_access: true, os_type: 'linux', os_arch: 'x86_64' } }).status, 201);
      await upload(bob, 'debian.img', 3 * 1024 * 1024 + 17);
      assert.equal(as(bob, '/api/images', { method: 'POST', json: { name: 'private.img' } }).status, 201);
      await upload(bob, 'private.img', 1000);
      assert.equal(as(pam, '/api/images', { method: 'POST', json: { name: 'secret.img' } }).status, 201);
      await upload(pam, 'secret.img', 1000);
      subscriber = await makeSubscriber(`${repo.url}/api/imagelists/bob/fedcloud/image.list`, site.caDir);
    });
    after(async () => {
      await subscriber?.cleanup();
      await repo?.cleanup();
      await site?.cleanup();
      await stopBackend();
    });

    const ready = (t: { skip: (message: string) => void }): boolean => {
      if (skip === undefined) return true;
      t.skip(skip);
      return false;
    };

    /** Runs the subscriber until `condition` holds for what it got (sha512 are computed in the background). */
    const until = async (what: string, condition: (run: SubscriberRun) => boolean): Promise<SubscriberRun> => {
      let last: SubscriberRun | undefined;
      await waitFor(what, async () => condition((last = await subscriber.run())), 30_000);
      assert.ok(last);
      return last;
    };

    it('refuses an image the list owner cannot read with 404, and creates nothing', (t) => {
      if (!ready(t)) return;
      const refused = as(bob, '/api/imagelists', { method: 'POST', json: { name: 'fedcloud', images: ['pam/secret.img'] } });
      assert.equal(refused.status, 404, refused.body);
      assert.equal((refused.json as { error: { code: string } }).error.code, 'IMAGE_NOT_FOUND');
      assert.equal(as(bob, '/api/imagelists/bob/fedcloud').status, 404);
    });

    it('publishes a public and a private image: the subscriber verifies the signature and the endorser, downloads both without a certificate and their sha512 match', async (t) => {
      if (!ready(t)) return;
      const created = as(bob, '/api/imagelists', {
        method: 'POST',
        json: { name: 'fedcloud', title: 'Bob for FedCloud', description: 'Images for the EGI FedCloud sites', vo: 'fedcloud.egi.eu', images: ['bob/debian.img', 'bob/private.img'] },
      });
      assert.equal(created.status, 201, created.body);
      assert.equal(created.headers.location, '/api/imagelists/bob/fedcloud');
      const run = await until('both images in the signed list', (r) => r.images.length === 2);
      assert.equal(run.list['ad:vo'], 'fedcloud.egi.eu');
      assert.equal(run.list['dc:title'], 'Bob for FedCloud');
      assert.equal(run.list['hv:uri'], `${repo.url}/api/imagelists/bob/fedcloud/image.list`);
      assert.deepEqual(run.images.map((image) => [image['dc:title'], image['hv:version']]), [['debian.img', '1'], ['private.img', '1']]);
      assert.equal(titled(run, 'debian.img')?.['hv:uri'], `${repo.url}/api/images/raw/bob/debian.img?version=1`, 'a public image: its public URL, pinned');
      assert.match(String(titled(run, 'private.img')?.['hv:uri']), /^https:\/\/.+\/api\/links\/[A-Za-z0-9_-]{43}$/, 'a private image: a download link');
      assert.equal(anonymous(`${repo.url}/api/images/raw/bob/private.img`), 401, 'the private image itself still needs a certificate');
      const record = listRecord();
      assert.deepEqual(record.images.map((entry) => [entry.image, entry.published]), [['bob/debian.img', true], ['bob/private.img', true]]);
      const [link, ...more] = listLinks(bob, 'private.img');
      assert.deepEqual(more, [], 'one link for the list');
      assert.equal(link?.version, 1, 'pinned to the listed version');
      assert.ok(Date.parse(link?.expires ?? '') > Date.parse(String(run.list['dc:date:expires'])), 'the link outlives the document');
    });

    it('a new upload shows in the next fetch with its new version and checksum; same dc:identifier, higher hv:version', async (t) => {
      if (!ready(t)) return;
      const before = await subscriber.run();
      const oldSum = titled(before, 'debian.img')?.['sl:checksum:sha512'];
      await upload(bob, 'debian.img', 2 * 1024 * 1024 + 5);
      const run = await until('version 2 of debian.img', (r) => titled(r, 'debian.img')?.['hv:version'] === '2');
      assert.notEqual(titled(run, 'debian.img')?.['sl:checksum:sha512'], oldSum);
      assert.equal(titled(run, 'debian.img')?.['hv:uri'], `${repo.url}/api/images/raw/bob/debian.img?version=2`);
      assert.equal(run.list['dc:identifier'], before.list['dc:identifier']);
      assert.ok(BigInt(String(run.list['hv:version'])) > BigInt(String(before.list['hv:version'])));
    });

    it('a re-uploaded private image verifies at every fetch: its previous version until the new sha512 is ready, then the new one through a new link', async (t) => {
      if (!ready(t)) return;
      const before = titled(await subscriber.run(), 'private.img');
      await upload(bob, 'private.img', 8 * 1024 * 1024 + 3);
      const seen: string[] = [];
      // Every run downloads both images and checks their sha512 (it throws otherwise): never a gap, never a mismatch.
      const run = await until('version 2 of private.img', (r) => {
        assert.equal(r.images.length, 2, 'the re-uploaded image stayed in the list');
        seen.push(String(titled(r, 'private.img')?.['hv:version']));
        return seen.at(-1) === '2';
      });
      assert.ok(seen.every((version) => version === '1' || version === '2'), seen.join());
      const after = titled(run, 'private.img');
      assert.notEqual(after?.['hv:uri'], before?.['hv:uri'], 'a link pinned to version 2');
      assert.notEqual(after?.['sl:checksum:sha512'], before?.['sl:checksum:sha512']);
      assert.equal(after?.['hv:size'], 8 * 1024 * 1024 + 3);
      assert.equal(anonymous(String(before?.['hv:uri'])), 200, "the previous version's link is left to expire (a subscriber may be downloading it)");
      assert.deepEqual(listLinks(bob, 'private.img').map((link) => link.version).sort(), [1, 2]);
    });

    it('an unchanged list is served as stored, not signed again', async (t) => {
      if (!ready(t)) return;
      const one = await subscriber.run();
      const two = await subscriber.run();
      assert.equal(two.list['hv:version'], one.list['hv:version']);
      assert.equal(two.list['dc:date:created'], one.list['dc:date:created']);
    });

    it("revoking the list's link (DELETE …/links/{id}) replaces it: the next fetch names a new link, the old one is dead", async (t) => {
      if (!ready(t)) return;
      const before = titled(await subscriber.run(), 'private.img');
      const current = listLinks(bob, 'private.img').find((link) => link.version === 2);
      assert.ok(current);
      assert.equal(as(bob, `/api/images/private.img/links/${current.id}`, { method: 'DELETE' }).status, 204);
      assert.equal(anonymous(String(before?.['hv:uri'])), 404);
      const after = titled(await subscriber.run(), 'private.img');
      assert.equal(after?.['hv:version'], '2');
      assert.notEqual(after?.['hv:uri'], before?.['hv:uri']);
    });

    it("an image its owner stops sharing with the list's owner leaves the next document, and its link stops working", async (t) => {
      if (!ready(t)) return;
      assert.equal(as(pam, '/api/images/secret.img/share/user/bob', { method: 'PUT' }).status, 200);
      const added = as(bob, '/api/imagelists/bob/fedcloud', { method: 'PATCH', json: { images: ['bob/debian.img', 'bob/private.img', 'pam/secret.img'] } });
      assert.equal(added.status, 200, added.body);
      const shared = titled(await until('secret.img in the list', (r) => r.images.length === 3), 'secret.img');
      assert.equal(listLinks(pam, 'secret.img').length, 1, "pam sees the list's link on her image, and may revoke it");
      assert.equal(as(pam, '/api/images/secret.img/share/user/bob', { method: 'DELETE' }).status, 200);
      const run = await subscriber.run();
      assert.deepEqual(run.images.map((image) => image['dc:title']), ['debian.img', 'private.img']);
      assert.equal(anonymous(String(shared?.['hv:uri'])), 404);
      assert.match(listRecord().images.find((entry) => entry.image === 'pam/secret.img')?.reason ?? '', /owner can no longer read it/);
    });

    it('an image removed from the list leaves the next fetch, and its link stops working', async (t) => {
      if (!ready(t)) return;
      const before = titled(await subscriber.run(), 'private.img');
      assert.equal(as(bob, '/api/imagelists/bob/fedcloud', { method: 'PATCH', json: { images: ['bob/debian.img'] } }).status, 200);
      const run = await subscriber.run();
      assert.deepEqual(run.images.map((image) => image['dc:title']), ['debian.img']);
      assert.equal(anonymous(String(before?.['hv:uri'])), 404);
      assert.deepEqual(listLinks(bob, 'private.img'), [], 'every link the list made for it is revoked');
    });

    it('a deleted image disappears from the next fetch', async (t) => {
      if (!ready(t)) return;
      assert.equal(as(bob, '/api/images/debian.img', { method: 'DELETE' }).status, 204);
      const run = await subscriber.run();
      assert.deepEqual(run.images, []);
      assert.deepEqual(listRecord().images.map((entry) => entry.image), []);
    });

    it('an empty list is allowed, and signed', async (t) => {
      if (!ready(t)) return;
      const created = as(bob, '/api/imagelists', { method: 'POST', json: { name: 'empty' } });
      assert.equal(created.status, 201, created.body);
      const empty = await makeSubscriber(`${repo.url}/api/imagelists/bob/empty/image.list`, site.caDir);
      try {
        const run = await empty.run();
        assert.deepEqual(run.images, []);
        assert.equal(run.list['dc:title'], 'empty');
      } finally {
        await empty.cleanup();
      }
    });

    it('only the owner and admins see a list; others get 404', (t) => {
      if (!ready(t)) return;
      assert.equal(as(pam, '/api/imagelists/bob/fedcloud').status, 404);
      assert.deepEqual(as(pam, '/api/imagelists').json, []);
      assert.equal(as(ada, '/api/imagelists/bob/fedcloud').status, 200);
      assert.equal(curl(`${repo.url}/api/imagelists/bob/nothing/image.list`, { caDir: site.caDir }).status, 404);
    });
  });
}

subscriberSuite('files and SQLite', embedded);
subscriberSuite('Ceph RGW and PostgreSQL', cephAndPostgres);

describe('with the plain-HTTP listener on', () => {
  it('a public image\'s hv:uri is its plain-HTTP URL, and downloads there without a certificate', async () => {
    const site = await makeGridSite();
    const bob = await site.user('bob');
    const repo = await startRepository({ site, adminDns: [bob.dn], http: true });
    const subscriber = await makeSubscriber(`${repo.url}/api/imagelists/bob/plain/image.list`, site.caDir);
    try {
      const as = (path: string, options: Partial<CurlOptions> = {}) => curl(`${repo.url}${path}`, { caDir: site.caDir, credential: bob.proxyPath, ...options });
      const file = join(site.dir, 'plain.bytes');
      await randomFile(file, 100_000);
      assert.equal(as('/api/images', { method: 'POST', json: { name: 'plain.img', unauthenticated_access: true } }).status, 201);
      assert.equal(as('/api/images/raw/plain.img', { args: ['-T', file] }).status, 200);
      assert.equal(as('/api/imagelists', { method: 'POST', json: { name: 'plain', images: ['bob/plain.img'] } }).status, 201);
      let images: SubscriberRun['images'] = [];
      await waitFor('plain.img in the list', async () => (images = (await subscriber.run()).images).length === 1, 30_000);
      assert.equal(images[0]?.['hv:uri'], `${repo.httpUrl}/api/images/raw/bob/plain.img?version=1`);
    } finally {
      await subscriber.cleanup();
      await repo.cleanup();
      await site.cleanup();
    }
  });
});

describe('a host key that cannot sign image lists', () => {
  it('stops the server at start with a message naming the key, before any fetch; check-config reports it too', async () => {
    const site = await makeGridSite();
    const dir = await mkdtemp(join(tmpdir(), 'repoman-badkey-'));
    try {
      const otherKey = join(dir, 'other-key.pem');
      await writeFile(otherKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const config = join(dir, 'repoman.toml');
      await writeFile(config, [
        '[server]', 'host = "127.0.0.1"', 'https_port = 0', `data_dir = ${JSON.stringify(dir)}`,
        '[tls]', `cert = ${JSON.stringify(site.hostCert)}`, `key = ${JSON.stringify(otherKey)}`, `ca_dir = ${JSON.stringify(site.caDir)}`, '',
      ].join('\n'));
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REPOMAN_')));
      const result = spawnSync(process.execPath, [CLI, 'serve', '--config', config], { encoding: 'utf8', env, timeout: 60_000 });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /image lists: cannot use the host key .*other-key\.pem: it is not the key of \/DC=org\/DC=Repoman Test\/CN=localhost/);
      assert.doesNotMatch(result.stderr, /listening on/);
      const checked = spawnSync(process.execPath, [CLI, 'check-config', '--config', config], { encoding: 'utf8', env, timeout: 60_000 });
      assert.equal(checked.status, 1, checked.stdout);
      assert.match(checked.stderr, /image lists: cannot use the host key .*other-key\.pem/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await site.cleanup();
    }
  });
});
