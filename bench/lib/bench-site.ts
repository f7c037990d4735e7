// Everything both servers share, set up once: a grid site (CA directory, host certificate for
// localhost/127.0.0.1, an admin user with a real grid-proxy-init proxy), the random source file
// of --size bytes and the scale run's image (on a tmpfs, so that reading them costs no disk),
// nginx (serving copies of them as /files/bench.img and /files/scale.img), and two repoman
// servers: one with its image storage on disk, one on a tmpfs. On each repoman the admin owns
// the public images bench.img and scale.img, uploaded here with curl, and empty slots up-1 …
// up-N for the upload rows.
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../packages/server/test/helpers/free-ports.js';
import { makeGridSite, type GridSite, type GridUser } from '../../packages/server/test/helpers/grid-site.js';
import { ensureNginx, startNginx, type NginxServer } from './nginx-server.js';
import { startRepoman, type RepomanServer } from './repoman-server.js';

export interface SourceFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface BenchSite {
  readonly site: GridSite;
  readonly admin: GridUser;
  /** Directory on disk (os.tmpdir()) and on a tmpfs (/dev/shm) for this run. */
  readonly diskDir: string;
  readonly tmpfsDir: string;
  readonly source: SourceFile;
  readonly scaleSource: SourceFile;
  readonly nginx: NginxServer;
  /** Uploads land in diskDir/nginx-put and tmpfsDir/nginx-put. */
  readonly nginxPutDirs: { readonly disk: string; readonly tmpfs: string };
  readonly repomanDisk: RepomanServer;
  readonly repomanTmpfs: RepomanServer;
  /** curl arguments that present the admin's proxy and trust the site's CA (for repoman). */
  readonly credentialArgs: readonly string[];
  /** The same with the admin's own certificate, for nginx (which refuses proxies). */
  readonly nginxCredentialArgs: readonly string[];
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

/** Writes `size` random bytes (1 MiB blocks) and answers their sha256. */
/**
 * Reads every file under `dir` once, so that both servers serve their images from the page
 * cache: nginx's are copies (written through the cache), repoman's were uploaded (written
 * around it, with O_DIRECT).
 */
async function warmPageCache(dir: string): Promise<void> {
  const block = Buffer.allocUnsafe(MiB);
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = await open(join(entry.parentPath, entry.name), 'r');
    try {
      while ((await file.read(block, 0, MiB)).bytesRead > 0);
    } finally {
      await file.close();
    }
  }
}

async function randomSource(path: string, size: number): Promise<SourceFile> {
  const file = await open(path, 'w');
  const hash = createHash('sha256');
  const block = Buffer.allocUnsafe(MiB);
  try {
    for (let written = 0; written < size; ) {
      const length = Math.min(MiB, size - written);
      const bytes = randomFillSync(block, 0, length).subarray(0, length);
      hash.update(bytes);
      await file.write(bytes);
      written += length;
    }
  } finally {
    await file.close();
  }
  return { path, size, sha256: hash.digest('hex') };
}

/** One API call with curl as the admin; throws unless the status is `ok`. */
export function adminCurl(site: Pick<BenchSite, 'credentialArgs'>, url: string, args: readonly string[], ok: number): void {
  const result = spawnSync('curl', ['-sS', '-o', '/dev/stderr', '-w', '%{http_code}', '-H', 'Expect:', ...site.credentialArgs, ...args, url], {
    encoding: 'utf8', timeout: 600_000,
  });
  if (Number(result.stdout) !== ok) throw new Error(`${args.join(' ')} ${url}: HTTP ${result.stdout}, wanted ${ok}: ${result.stderr}`);
}

async function prepareRepoman(server: RepomanServer, site: Pick<BenchSite, 'credentialArgs'>, images: Array<[string, SourceFile]>, slots: number): Promise<void> {
  const create = (name: string, unauthenticated: boolean): void =>
    adminCurl(site, `${server.httpsUrl}/api/images`, ['-X', 'POST', '-H', 'content-type: application/json',
      '--data-binary', JSON.stringify({ name, unauthenticated_access: unauthenticated })], 201);
  for (const [name, source] of images) {
    create(name, true);
    adminCurl(site, `${server.httpsUrl}/api/images/raw/admin/${name}`, ['-T', source.path, '-H', `x-checksum-sha256: ${source.sha256}`], 200);
  }
  for (let i = 1; i <= slots; i += 1) create(`up-${i}`, false);
}

export interface SiteOptions {
  readonly size: number;
  readonly scaleSize: number;
  /** Upload slots to create on each repoman (the largest client count). */
  readonly uploadSlots: number;
  readonly log: (line: string) => void;
}

export async function openBenchSite(options: SiteOptions): Promise<BenchSite> {
  ensureNginx(options.log);
  const diskDir = await mkdtemp(join(tmpdir(), 'repoman-bench-'));
  const tmpfsDir = await mkdtemp('/dev/shm/repoman-bench-');
  const cleanups: Array<() => Promise<void>> = [
    () => rm(diskDir, { recursive: true, force: true }),
    () => rm(tmpfsDir, { recursive: true, force: true }),
  ];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const site = await makeGridSite();
    cleanups.push(() => site.cleanup());
    const admin = await site.user('admin');
    const credentialArgs = ['--capath', site.caDir, '--cert', admin.proxyPath, '--key', admin.proxyPath];
    const nginxCredentialArgs = ['--capath', site.caDir, '--cert', admin.certPath, '--key', admin.keyPath];
    const [caFile] = (await readdir(site.caDir)).filter((name) => name.endsWith('.0'));
    if (caFile === undefined) throw new Error(`no CA certificate in ${site.caDir}`);
    options.log(`bench: writing a ${options.size}-byte source file and a ${options.scaleSize}-byte scale image`);
    const source = await randomSource(join(tmpfsDir, 'bench.img'), options.size);
    const scaleSource = await randomSource(join(tmpfsDir, 'scale.img'), options.scaleSize);

    const filesDir = join(diskDir, 'nginx-files');
    await mkdir(filesDir);
    await copyFile(source.path, join(filesDir, 'bench.img'));
    await copyFile(scaleSource.path, join(filesDir, 'scale.img'));
    const nginxPutDirs = { disk: join(diskDir, 'nginx-put'), tmpfs: join(tmpfsDir, 'nginx-put') };
    const nginx = await startNginx({
      prefix: join(diskDir, 'nginx'), hostCert: site.hostCert, hostKey: site.hostKey, clientCa: join(site.caDir, caFile), filesDir,
      diskDir: nginxPutDirs.disk, tmpfsDir: nginxPutDirs.tmpfs, httpsPort: await freePort(), httpPort: await freePort(),
    });
    cleanups.push(() => nginx.stop());

    const repoman = async (name: string, storagePath: string): Promise<RepomanServer> => {
      const server = await startRepoman({
        dir: join(diskDir, name), storagePath, hostCert: site.hostCert, hostKey: site.hostKey, caDir: site.caDir,
        adminDn: admin.dn, httpsPort: await freePort(), httpPort: await freePort(),
      });
      cleanups.push(() => server.stop());
      return server;
    };
    const repomanDisk = await repoman('repoman-disk', join(diskDir, 'repoman-images'));
    const repomanTmpfs = await repoman('repoman-tmpfs', join(tmpfsDir, 'repoman-images'));
    const images: Array<[string, SourceFile]> = [['bench.img', source], ['scale.img', scaleSource]];
    await prepareRepoman(repomanDisk, { credentialArgs }, images, options.uploadSlots);
    await prepareRepoman(repomanTmpfs, { credentialArgs }, [], options.uploadSlots);
    await warmPageCache(filesDir);
    await warmPageCache(join(diskDir, 'repoman-images'));
    return {
      site, admin, diskDir, tmpfsDir, source, scaleSource, nginx, nginxPutDirs, repomanDisk, repomanTmpfs, credentialArgs, nginxCredentialArgs, close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
