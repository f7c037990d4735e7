// Download links with real importers, against the real server over real TLS (SPEC §3
// "Download links"): a private qcow2 image is fetched through its link by `qemu-img convert`
// (qemu's curl driver, verifying the server with the site's CA in the system bundle) and by
// `wget` with no credential, over HTTPS and over the plain-HTTP listener (qemu-img there too), byte-identical to
// the original (compared as qemu-img converts both to raw); the link counts the downloads;
// after revocation both importers fail; an expired link is 404. Run on fs + SQLite, and once on
// Ceph RGW + PostgreSQL (skipped where those are not installed).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toPem } from '@repoman/x509';
import { curl, type CurlResult } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { hasQemuCurl, qemuImg, qemuImgTrusting } from '../helpers/qemu-img.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { CEPH_PACKAGES, POSTGRES_PACKAGES, startCephRgw, startPostgres, type CephRgw, type Postgres } from '../helpers/test-services.js';
import { randomFile, sha256OfFile } from '../helpers/test-files.js';
import { wget } from '../helpers/wget.js';

const MIB = 1024 * 1024;

interface Backend {
  readonly name: string;
  /** The TOML of the backend, or null when its services are not installed (the reason in `missing`). */
  start(): Promise<{ toml: string; stop: () => Promise<void> } | null>;
  readonly missing: string;
}

const FS_SQLITE: Backend = { name: 'fs + SQLite', start: async () => ({ toml: '', stop: async () => {} }), missing: '' };

const CEPH_POSTGRES: Backend = {
  name: 'Ceph RGW + PostgreSQL',
  missing: `${POSTGRES_PACKAGES} and ${CEPH_PACKAGES}`,
  async start() {
    let postgres: Postgres | null = null;
    let ceph: CephRgw | null = null;
    const stop = async (): Promise<void> => {
      await ceph?.stop();
      await postgres?.stop();
    };
    postgres = await startPostgres();
    ceph = postgres ? await startCephRgw() : null;
    if (!postgres || !ceph) {
      await stop();
      return null;
    }
    const toml = [
      '[database]', `url = ${JSON.stringify(postgres.url)}`,
      '[storage]', 'driver = "s3"', `endpoint = ${JSON.stringify(ceph.endpoint)}`, `region = ${JSON.stringify(ceph.region)}`,
      'bucket = "repoman-links"', `access_key_id = ${JSON.stringify(ceph.accessKeyId)}`,
      `secret_access_key = ${JSON.stringify(ceph.secretAccessKey)}`, 'force_path_style = true',
    ].join('\n');
    return { toml, stop };
  },
};

for (const backend of [FS_SQLITE, CEPH_POSTGRES]) {
  describe(`download links with qemu-img and wget (${backend.name})`, () => {
    let services: { toml: string; stop: () => Promise<void> } | null;
    let site: GridSite;
    let bob: GridUser;
    let repo: Repository;
    let caPem: string;
    let original: string;
    const file = (name: string): string => join(site.dir, name);
    const as = (path: string, extra: Partial<Parameters<typeof curl>[1]> = {}): CurlResult =>
      curl(`${repo.url}${path}`, { caDir: site.caDir, credential: bob.proxyPath, ...extra });
    const makeLink = (json: Record<string, unknown> = {}): { id: string; url: string } => {
      const made = as('/api/images/private.qcow2/links', { method: 'POST', json });
      assert.equal(made.status, 201, made.body);
      return made.json as { id: string; url: string };
    };
    const qemuConvert = (url: string, out: string) => qemuImgTrusting(caPem, ['convert', '-f', 'qcow2', '-O', 'raw', url, out]);
    const skip = (t: { skip: (message: string) => void }): boolean => {
      if (services) return false;
      t.skip(hasQemuCurl() ? `needs ${backend.missing} (run .ci/run)` : 'needs qemu-utils and qemu-block-extra');
      return true;
    };

    before(async () => {
      services = hasQemuCurl() ? await backend.start() : null;
      if (!services) return;
      site = await makeGridSite();
      bob = await site.user('bob');
      caPem = toPem(site.ca.cert);
      repo = await startRepository({ site, adminDns: [bob.dn], http: true, extraToml: services.toml });
      // A qcow2 with random data in places and holes between: what an importer really meets.
      await randomFile(file('data.raw'), 6 * MIB);
      qemuImg(['create', '-f', 'qcow2', file('private.qcow2'), '64M']);
      qemuImg(['dd', '-f', 'raw', '-O', 'qcow2', `if=${file('data.raw')}`, `of=${file('private.qcow2')}`]);
      qemuImg(['convert', '-f', 'qcow2', '-O', 'raw', file('private.qcow2'), file('original.raw')]);
      original = await sha256OfFile(file('original.raw'));
      assert.equal(as('/api/images', { method: 'POST', json: { name: 'private.qcow2' } }).status, 201);
      assert.equal(as('/api/images/raw/private.qcow2', { args: ['-T', file('private.qcow2')] }).status, 200);
    });
    after(async () => {
      await repo?.cleanup();
      await site?.cleanup();
      await services?.stop();
    });

    it('the image is private: its raw URL refuses anonymous callers', (t) => {
      if (skip(t)) return;
      assert.equal(curl(`${repo.url}/api/images/raw/bob/private.qcow2`, { caDir: site.caDir }).status, 401);
    });

    it('qemu-img convert and wget fetch it through a link, byte-identical, counted; revoked, both fail', async (t) => {
      if (skip(t)) return;
      const link = makeLink({ expires_in: 3600 });
      assert.match(link.url, new RegExp(`^${repo.url}/api/links/[A-Za-z0-9_-]{43}$`));

      const converted = await qemuConvert(link.url, file('via-qemu.raw'));
      assert.equal(converted.status, 0, converted.output);
      assert.equal(await sha256OfFile(file('via-qemu.raw')), original, 'qemu-img convert over https');

      // Where the CA cannot be added: verification off for the one command (documented in docs/links.md).
      const unverified = JSON.stringify({ 'file.driver': 'https', 'file.url': link.url, 'file.sslverify': 'off' });
      assert.match(qemuImg(['info', '--output=json', `json:${unverified}`]), /"format": "qcow2"/);

      const fetched = wget(link.url, { caDir: site.caDir, output: file('via-wget.qcow2') });
      assert.equal(fetched.exitCode, 0, fetched.log);
      assert.match(fetched.log, /cache-control: private, no-store/i);
      assert.equal(await sha256OfFile(file('via-wget.qcow2')), await sha256OfFile(file('private.qcow2')));
      qemuImg(['convert', '-f', 'qcow2', '-O', 'raw', file('via-wget.qcow2'), file('via-wget.raw')]);
      assert.equal(await sha256OfFile(file('via-wget.raw')), original, 'wget, then converted');

      const plain = wget(`${repo.httpUrl}${new URL(link.url).pathname}`, { caDir: site.caDir, output: file('via-http.qcow2') });
      assert.equal(plain.exitCode, 0, plain.log);
      assert.equal(await sha256OfFile(file('via-http.qcow2')), await sha256OfFile(file('private.qcow2')), 'wget over plain HTTP');
      qemuImg(['convert', '-f', 'qcow2', '-O', 'raw', `${repo.httpUrl}${new URL(link.url).pathname}`, file('via-qemu-http.raw')]);
      assert.equal(await sha256OfFile(file('via-qemu-http.raw')), original, 'qemu-img convert over plain HTTP');

      const listed = as('/api/images/private.qcow2/links').json as { id: string; downloads: number }[];
      const downloads = listed.find((entry) => entry.id === link.id)?.downloads ?? 0;
      assert.ok(downloads >= 4, `downloads ${downloads}`);
      const metrics = curl(`${repo.url}/metrics`, { caDir: site.caDir }).body;
      assert.ok(Number(/^repoman_link_downloads_total (\d+)/m.exec(metrics)?.[1]) >= 4, 'the metric counts them');

      assert.equal(as(`/api/images/private.qcow2/links/${link.id}`, { method: 'DELETE' }).status, 204);
      const refused = await qemuImgTrusting(caPem, ['convert', '-f', 'qcow2', '-O', 'raw', link.url, file('revoked.raw')], { retry: false });
      assert.notEqual(refused.status, 0, 'qemu-img fails after revocation');
      assert.match(refused.output, /404|Not Found/i, refused.output);
      const gone = wget(link.url, { caDir: site.caDir, output: file('revoked.qcow2') });
      assert.equal(gone.status, 404, gone.log);
      assert.equal(gone.exitCode, 8);
    });

    it('an expired link answers 404 to wget and qemu-img', async (t) => {
      if (skip(t)) return;
      const link = makeLink({ expires_in: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(wget(link.url, { caDir: site.caDir, output: file('expired.qcow2') }).status, 404);
      const refused = await qemuImgTrusting(caPem, ['info', link.url], { retry: false });
      assert.notEqual(refused.status, 0, refused.output);
    });
  });
}
