// `repoman save-image` for real: a made-up root tree (owners, setuid, symlinks, hard links, a
// 200 MiB sparse file, xattrs, an ACL, junk in the system directories, a /root/.ssh key)
// snapshotted with --source into a 1 GiB sparse ext4 file, loop-mounted and filled by rsync,
// uploaded to the real repoman-server over TLS, downloaded by the client and checked without
// mounting (e2fsck -fn, debugfs). Then: the incremental second run (a delta re-save: only the
// changed blocks go), the refusals (too small,
// no terminal to confirm, a run already going, --disk without a kernel), an rsync failure and
// Ctrl-C that leave no mount, loop device or lock and the server's image as it was, --gzip, and
// a failed upload. The safe defaults: the size from the used space, the snapshot 0600 in a
// root-only directory, credentials left out (kept with --include-credentials), key-like files
// listed. (Booting what it makes: save-image-boot.test.ts.)
// Needs root and loop devices (CI runs as root); skipped otherwise, saying why.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ext4Skip, leftovers } from '../helpers/snapshot-env.js';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import { dumpFrom, fsck, listIn, statIn, xattrsIn } from '../helpers/ext-image.js';
import { makeFakeRoot, SPARSE_SIZE, type FakeRoot } from '../helpers/fake-root.js';
import type { RunOptions, RunResult } from '../helpers/run-repoman.js';
import { startStubServer } from '../helpers/stub-server.js';
import { curl } from '../../../server/test/helpers/curl.js';
import { waitFor } from '../../../server/test/helpers/test-files.js';

type Image = { name: string; owner: string; version: number; size: number; checksum: { value: string }; hypervisor: string | null; description: string | null;
  disk_format: string | null; virtual_size: number | null };

describe('repoman save-image against a real server (loop mount, rsync, upload)', { skip: ext4Skip() }, () => {
  let s: ClientSite;
  let bob: Runner;
  let root: FakeRoot;
  let work: string;
  let snapDir: string;
  let config: string;
  let excludeFile: string;
  let wrappers: string;
  let image1: Image;
  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
    work = join(s.site.dir, 'save');
    snapDir = join(work, 'snapshots');
    await mkdir(snapDir, { recursive: true });
    root = await makeFakeRoot(join(work, 'root'));
    config = join(work, 'repoman.conf');
    await writeFile(config, '[ThisImage]\nuser_excludes = /var/log/private\n');
    excludeFile = join(work, 'excludes.txt');
    await writeFile(excludeFile, '# secrets\n*.pem\n\n');
    wrappers = join(work, 'wrappers');
    await mkdir(join(wrappers, 'failing'), { recursive: true });
    await mkdir(join(wrappers, 'slow'), { recursive: true });
    await writeFile(join(wrappers, 'failing', 'rsync'), '#!/bin/sh\n/usr/bin/rsync "$@"\nexit 23\n');
    // the listing of key-like files (--list-only) runs as usual; the copy then hangs
    await writeFile(join(wrappers, 'slow', 'rsync'), '#!/bin/sh\ncase "$*" in *--list-only*) exec /usr/bin/rsync "$@";; esac\n/usr/bin/rsync "$@" || exit $?\nexec sleep 60\n');
    await chmod(join(wrappers, 'failing', 'rsync'), 0o755);
    await chmod(join(wrappers, 'slow', 'rsync'), 0o755);
  });
  after(async () => {
    if (work) leftovers(work).cleanUp();
    await s?.cleanup();
  });

  const ok = (result: RunResult): RunResult => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  const save = (args: string[], options: RunOptions = {}): Promise<RunResult> => bob(
    ['save-image', ...args],
    { timeoutMs: 120_000, ...options, env: { REPOMAN_CLIENT_CONFIG: config, ...options.env } },
  );
  const tree = (dir = snapDir): string[] => ['--source', root.dir, '--resize', '1G', '--snapshot-dir', dir,
    '--exclude', '/var/cache/secret.txt', '--exclude-from', excludeFile];
  const snapshotFile = (dir = snapDir, name = 'worker.img'): string => join(dir, 'repoman-snapshots', `repoman-snapshot-${name}`);
  const describeImage = async (name: string): Promise<Image> => ok(await bob(['di', name, '--json'])).json as Image;
  const download = async (name: string): Promise<string> => {
    const dest = join(work, `${name}.downloaded`);
    ok(await bob(['download-image', name, dest, '--force'], { timeoutMs: 120_000 }));
    return dest;
  };
  /** Nothing mounted, attached or locked by a run that used `dir`. */
  const assertCleanedUp = (dir = snapDir, name = 'worker.img'): void => {
    const file = snapshotFile(dir, name);
    assert.notEqual(spawnSync('findmnt', ['--mountpoint', `${file}.mnt`]).status, 0, 'the snapshot is still mounted');
    assert.equal(spawnSync('losetup', ['--associated', file], { encoding: 'utf8' }).stdout, '', 'a loop device is still attached');
    assert.equal(existsSync(join(dir, 'repoman-snapshots', 'repoman-save-image.lock')), false, 'the lock is left behind');
    assert.equal(existsSync(`${file}.mnt`), false, 'the mount point is left behind');
  };

  it('--dry-run prints the plan (sizes, excludes, commands) and changes nothing', async () => {
    const result = ok(await save(['worker.img', ...tree(), '--dry-run']));
    assert.match(result.stdout, /^save-image worker\.img: dry run, nothing is changed$/m);
    assert.match(result.stdout, /^image file: .*1\.00 GiB sparse \(--resize\), ext4.*new: no snapshot file/m);
    assert.match(result.stdout, /^excluded: +\/dev \/proc \/sys \/tmp \/run \/mnt \(system, copied empty\)$/m);
    assert.match(result.stdout, /^excluded: +\/var\/log\/private \(config user_excludes\)$/m);
    assert.match(result.stdout, /^excluded: +\/root\/\.ssh \/home\/\*\/\.ssh \/etc\/ssh\/ssh_host_\* .* \(credentials: keep them with --include-credentials\)$/m);
    assert.match(result.stdout, /^key-like files: +copied: \/home\/alice\/work\/id_rsa \/opt\/app\/tls\.key \(leave them out with --exclude\)$/m);
    assert.match(result.stdout, /^excluded: +\*\.pem \(--exclude-from\)$/m);
    assert.match(result.stdout, /^ {2}rsync --archive --hard-links --acls --xattrs --sparse --numeric-ids --one-file-system --delete --delete-excluded /m);
    assert.match(result.stdout, /^ {2}install -d -m 1777 -o 0 -g 0 \S+\/tmp$/m);
    assert.deepEqual(await readdir(snapDir), []);
    assert.equal((await bob(['di', 'worker.img'])).code, 4);
  });

  it('without --resize the image is sized by the used space plus headroom, not by the host\'s file system', async () => {
    const result = ok(await save(['worker.img', '--source', root.dir, '--snapshot-dir', snapDir, '--dry-run']));
    const size = /^image file: .*: ([\d.]+) MiB sparse \(the used space plus 30% and 256 MiB\)/m.exec(result.stdout);
    assert.ok(size, result.stdout);
    assert.ok(Number(size[1]) > 256 && Number(size[1]) < 300, `${size[1]} MiB for a tree using a few MiB`);
  });

  it('sudo without -E (no X509_USER_PROXY, SUDO_UID set) is named with the fix before anything is done', async (t) => {
    if (existsSync('/tmp/x509up_u0')) return t.skip('root has a proxy of its own here (/tmp/x509up_u0): nothing was lost');
    const result = await save(['worker.img', ...tree()], { env: { X509_USER_PROXY: undefined, SUDO_UID: '1000', SUDO_USER: 'alice' } });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, 'repoman: no grid proxy: sudo without -E drops X509_USER_PROXY (and https_proxy), and /tmp/x509up_u0 does not exist: '
      + 'run sudo -E repoman save-image …, or pass --proxy /tmp/x509up_u1000\n');
    assert.deepEqual(await readdir(snapDir), []);
    return undefined;
  });

  it('a --resize too small for the source is refused before anything is created (exit 2)', async () => {
    const result = await save(['worker.img', ...tree().slice(0, 2), '--resize', '10M', '--snapshot-dir', snapDir]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^repoman: --resize 10\.0 MiB is too small: the image needs at least 6\d\.0 MiB \(\S+ uses 2\.\d+ MiB; .*give --resize 6\dM or more\n$/);
    assert.deepEqual(await readdir(snapDir), []);
    assert.equal((await bob(['di', 'worker.img'])).code, 4);
  });

  it('snapshots the tree into a sparse ext4 image, uploads it, and the image holds exactly the tree', async () => {
    const result = ok(await save(['worker.img', ...tree(), '--description', 'worker', '--os-variant', 'debian12', '--json']));
    image1 = result.json as Image;
    assert.match(result.stderr, /warning: key-like files go into the image: \/home\/alice\/work\/id_rsa \/opt\/app\/tls\.key \(leave them out with --exclude\)/);
    assert.deepEqual([image1.name, image1.version, image1.size, image1.description], ['worker.img', 1, 1024 ** 3, 'worker']);
    assert.deepEqual([image1.disk_format, image1.virtual_size], ['raw', 1024 ** 3]);
    const virt = spawnSync('systemd-detect-virt', ['--vm'], { encoding: 'utf8' }).stdout?.trim();
    if (virt === 'kvm' || virt === 'qemu') assert.equal(image1.hypervisor, 'kvm', 'detected from systemd-detect-virt');
    assert.ok(existsSync(snapshotFile()), 'the snapshot file is kept for the next run');
    assert.equal((await stat(snapshotFile())).mode & 0o777, 0o600, 'the snapshot is readable by root only');
    const privateDir = await stat(join(snapDir, 'repoman-snapshots'));
    assert.deepEqual([privateDir.mode & 0o777, privateDir.uid], [0o700, 0], 'in a directory only root can enter');
    assertCleanedUp();
    const img = await download('worker.img'); // the client checks the sha256 the server states
    const check = fsck(img);
    assert.equal(check.code, 0, check.output);

    const at = (path: string) => {
      const found = statIn(img, path);
      assert.ok(found, `${path} is missing from the image`);
      return found;
    };
    assert.deepEqual([at('/usr/bin/su-like').mode & 0o7777, at('/usr/bin/su-like').uid], [0o4755, 0]);
    assert.deepEqual([at('/usr/bin/sg-like').mode & 0o7777, at('/usr/bin/sg-like').gid], [0o2755, 50]);
    assert.deepEqual([at('/home/alice').uid, at('/home/alice').gid, at('/home/alice').mode & 0o7777], [1000, 1000, 0o750]);
    assert.deepEqual([at('/home/alice/notes.txt').uid, at('/home/alice/notes.txt').mode & 0o7777], [1000, 0o640]);
    assert.deepEqual([at('/usr/bin/tool-link').type, at('/usr/bin/tool-link').linkTarget], ['symlink', '../../bin/tool']);
    assert.equal(at('/etc/motd.link').linkTarget, '/etc/motd');
    assert.deepEqual([at('/etc/hard-a').links, at('/etc/hard-b').links], [2, 2]);
    const sparse = at('/var/lib/sparse.img');
    assert.equal(sparse.size, SPARSE_SIZE);
    assert.ok(sparse.blocks < 1024, `the sparse file takes ${sparse.blocks} sectors in the image`);
    assert.ok(dumpFrom(img, '/opt/data.bin').equals(root.data), '/opt/data.bin differs');
    assert.equal(dumpFrom(img, '/etc/motd').toString(), 'welcome to the worker\n');
    assert.match(xattrsIn(img, '/etc/motd'), /user\.repoman.*kept/);
    assert.match(xattrsIn(img, '/etc/acl-file'), /system\.posix_acl_access/);
    assert.equal(at('/root').mode & 0o7777, 0o700);
    assert.equal(at('/').mode & 0o7777, 0o755);
    for (const dir of ['/dev', '/proc', '/sys', '/tmp', '/run', '/mnt']) assert.deepEqual(listIn(img, dir), [], `${dir} is not empty`);
    assert.equal(at('/tmp').mode & 0o7777, 0o1777);
    assert.equal(at('/proc').mode & 0o7777, 0o555, '/proc keeps the source\'s mode');
    for (const gone of ['/root/.ssh', '/var/cache/secret.txt', '/etc/server.pem', '/home/alice/.ssh', '/home/alice/.globus/userkey.pem',
      '/etc/ssh/ssh_host_ed25519_key', '/var/lib/cloud/instance', '/var/lib/cloud/instances']) assert.equal(statIn(img, gone), undefined, `${gone} was not excluded`);
    for (const kept of ['/etc/ssh/sshd_config', '/var/lib/cloud/data/status.json', '/opt/app/tls.key', '/home/alice/work/id_rsa']) assert.ok(statIn(img, kept), `${kept} is missing`);
    assert.ok(statIn(img, '/var/cache'), 'the excluded file\'s directory stays');
    await unlink(img);
  });

  it('replacing an existing image without --force and without a terminal is refused (exit 2)', async () => {
    const result = await save(['worker.img', ...tree()]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /replace the image worker\.img .*add --force/);
    assertCleanedUp();
    assert.equal((await describeImage('worker.img')).version, 1);
  });

  it('a second run reuses the snapshot file (incremental), carries the change and bumps the version', async () => {
    await writeFile(join(root.dir, 'etc/motd'), 'second edition\n');
    await writeFile(join(root.dir, 'etc/new-file'), 'new\n');
    await unlink(join(root.dir, 'etc/hard-b'));
    const plan = ok(await save(['worker.img', ...tree(), '--dry-run']));
    assert.match(plan.stdout, /reused: rsync copies only what changed/);
    assert.doesNotMatch(plan.stdout, /mkfs/);
    // The re-save is a delta once the server has listed version 1's blocks (in the background).
    await waitFor('the block list of version 1', async () =>
      curl(`${s.repo.url}/api/images/worker.img/versions/1/blocks`, { caDir: s.site.caDir, credential: s.bob.proxyPath }).status === 200, 30_000);
    const resaved = ok(await save(['worker.img', ...tree(), '--force', '--json']));
    assert.match(resaved.stderr, /sent \S+ \S+ of \S+ \S+: \d+ of \d+ blocks changed since version 1/, 'only the changed blocks went');
    const image2 = resaved.json as Image;
    assert.equal(image2.version, 2);
    assert.equal(image2.description, 'worker', 'the metadata stays');
    assertCleanedUp();
    const img = await download('worker.img');
    assert.equal(dumpFrom(img, '/etc/motd').toString(), 'second edition\n');
    assert.equal(dumpFrom(img, '/etc/new-file').toString(), 'new\n');
    assert.equal(statIn(img, '/etc/hard-b'), undefined, 'a deleted file is deleted from the image');
    assert.equal(statIn(img, '/etc/hard-a')?.links, 1);
    assert.equal(fsck(img).code, 0);
    await unlink(img);
    image1 = image2;
  });

  it('an rsync failure leaves no mount, loop device or lock, and the server keeps its image', async () => {
    await writeFile(join(root.dir, 'etc/motd'), 'never uploaded\n');
    const result = await save(['worker.img', ...tree(), '--force'], { env: { PATH: `${join(wrappers, 'failing')}:${process.env.PATH}` } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^repoman: copy .* with rsync failed: rsync exited 23 \(some files could not be copied\); the snapshot was unmounted and nothing was uploaded/m);
    assertCleanedUp();
    const after = await describeImage('worker.img');
    assert.deepEqual([after.version, after.checksum.value], [image1.version, image1.checksum.value]);
  });

  it('a snapshot disk that fills up during the copy is a clear error: nothing left mounted, the server keeps its image', async (t) => {
    const disk = join(work, 'small-disk');
    await mkdir(disk);
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=100m', 'tmpfs', disk]).status, 0, 'mount a 100 MiB tmpfs');
    try {
      const filler = join(disk, 'filler');
      // the snapshot directory's disk has room when the run checks, and none once rsync starts
      const full = join(wrappers, 'full');
      await mkdir(full, { recursive: true });
      await writeFile(join(full, 'rsync'), `#!/bin/sh\ncase "$*" in *--list-only*) exec /usr/bin/rsync "$@";; esac\ndd if=/dev/zero of='${filler}' bs=1M 2>/dev/null\nexec /usr/bin/rsync "$@"\n`);
      await chmod(join(full, 'rsync'), 0o755);
      const result = await save(['worker.img', '--source', root.dir, '--resize', '90M', '--snapshot-dir', disk, '--force'], { env: { PATH: `${full}:${process.env.PATH}` } });
      assert.equal(result.code, 1, result.stderr);
      t.diagnostic(result.stderr.trim());
      assert.match(result.stderr, /^repoman: .* failed: .*(the disk holding \S+ may be full: free space there, or choose another --snapshot-dir|the image is full).*; the snapshot was unmounted and nothing was uploaded/m);
      assertCleanedUp(disk);
      const after = await describeImage('worker.img');
      assert.deepEqual([after.version, after.checksum.value], [image1.version, image1.checksum.value]);
    } finally {
      leftovers(disk).cleanUp();
      spawnSync('umount', [disk]);
    }
  });

  it('a second run while one is going is refused; Ctrl-C on the first unmounts and uploads nothing', async () => {
    let first: ChildProcess | undefined;
    const running = save(['worker.img', ...tree(), '--force'], {
      env: { PATH: `${join(wrappers, 'slow')}:${process.env.PATH}` },
      onSpawn: (child) => (first = child),
    });
    const mountPoint = `${snapshotFile()}.mnt`;
    for (let i = 0; i < 200 && spawnSync('findmnt', ['--mountpoint', mountPoint]).status !== 0; i += 1) await sleep(100);
    await sleep(300); // the wrapper's rsync has finished and it sleeps
    const second = await save(['other.img', ...tree()]);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /^repoman: another repoman save-image \(pid \d+\) is running in this snapshot directory: wait for it to end/m);
    first?.kill('SIGINT');
    const interrupted = await running;
    assert.equal(interrupted.code, 130, interrupted.stderr);
    assert.match(interrupted.stderr, /interrupted: the snapshot was unmounted and nothing was uploaded/m);
    assertCleanedUp();
    assert.equal((await describeImage('worker.img')).version, image1.version);
    assert.equal((await bob(['di', 'other.img'])).code, 4);
  });

  it('--gzip uploads the snapshot compressed, and the snapshot stays uncompressed for the next run', async () => {
    const dir = join(work, 'gzip-snapshots');
    await mkdir(dir);
    const result = ok(await save(['small.img.gz', '--source', root.dir, '--resize', '100M', '--snapshot-dir', dir, '--gzip', '--json']));
    assert.doesNotMatch(result.stderr, /\.gz/, 'no warning: the name ends in .gz');
    assert.deepEqual([(result.json as Image).disk_format, (result.json as Image).virtual_size], ['gzip', null], 'the client says gzip, as the bytes do');
    const gz = await download('small.img.gz');
    const bytes = await readFile(gz);
    assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b], 'gzip magic');
    assert.ok(bytes.length < 20 * 1024 * 1024, `${bytes.length} bytes: not compressed`);
    const img = join(work, 'small.img');
    assert.equal(spawnSync('sh', ['-c', `gunzip -c '${gz}' > '${img}'`]).status, 0);
    assert.equal(fsck(img).code, 0);
    assert.equal(dumpFrom(img, '/etc/motd').toString(), 'never uploaded\n');
    assert.deepEqual(await readdir(join(dir, 'repoman-snapshots')), ['repoman-snapshot-small.img'], 'the .gz is removed, the snapshot kept');
    await rm(gz);
    await rm(img);
  });

  it('--disk on a source with no kernel in /boot is refused before any work, and the server is left alone', async () => {
    const dir = join(work, 'nokernel-snapshots');
    await mkdir(dir);
    const result = await save(['nokernel.img', '--source', root.dir, '--snapshot-dir', dir, '--disk']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^repoman: --disk needs a kernel to boot, and \S+\/boot has no vmlinuz\*: install one in the source \(Debian: apt-get install linux-image-amd64\) or save without --disk/);
    assert.deepEqual(await readdir(dir), []);
    assertCleanedUp(dir, 'nokernel.img');
    assert.equal((await bob(['di', 'nokernel.img'])).code, 4);
  });

  it('--include-credentials keeps them; a snapshot directory inside the source does not copy itself', async () => {
    const dir = join(root.dir, 'var/snap');
    await mkdir(dir);
    ok(await save(['creds.img', '--source', root.dir, '--snapshot-dir', dir, '--include-credentials', '--resize', '100M', '--json']));
    assertCleanedUp(dir, 'creds.img');
    const img = await download('creds.img');
    for (const kept of ['/root/.ssh/id_rsa', '/home/alice/.ssh/id_ed25519', '/etc/ssh/ssh_host_ed25519_key', '/var/lib/cloud/instance']) {
      assert.ok(statIn(img, kept), `${kept} was left out`);
    }
    assert.deepEqual(listIn(img, '/var/snap'), [], 'the snapshot directory is in the image empty');
    await rm(img);
    await rm(dir, { recursive: true });
  });

  it('a failed upload (the server refuses the bytes) cleans up and removes the compressed copy', async () => {
    const stub = await startStubServer(s.site, Buffer.from('previous'));
    try {
      const dir = join(work, 'stub-snapshots');
      await mkdir(dir);
      const result = await save(['bad-digest.img', '--source', root.dir, '--resize', '100M', '--snapshot-dir', dir, '--force'],
        { env: { REPOMAN_SERVER: stub.url } });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /the server kept the previous version/);
      assert.match(result.stderr, /the server offers no resumable uploads: sending the file in one request/, 'a server without tus gets one PUT');
      assert.equal(stub.requests.filter((r) => r.method === 'PUT').length, 1);
      assert.equal(stub.requests.filter((r) => r.method === 'DELETE' || r.method === 'PATCH').length, 0, 'the record is left alone');
      assertCleanedUp(dir, 'bad-digest.img');
    } finally {
      await stub.close();
    }
  });
});
