// Proof that save-image makes images that boot: a small root tree (static busybox, Debian's
// kernel and initrd in its /boot, an /sbin/init printing a random token and the root it runs
// from) is saved by the real `repoman save-image` to the real server — once `--disk --format
// qcow2` (twice: the second run reuses the kept disk), once as a plain file-system image —
// downloaded again, and booted under
// `qemu-system-x86_64 -accel tcg`: the disk with no -kernel (its own MBR, extlinux, kernel,
// root=UUID=), the file system with -kernel/-initrd and root=/dev/vda. The console must show
// the tree's init running from the image's root, and qemu must power off; it is killed after
// 120 s and the test fails. Skipped, saying why, without root/loop devices or without qemu,
// a kernel, busybox-static and extlinux (CI installs them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootImage, bootSkip, makeBootTree, type BootResult, type BootTree } from '../helpers/boot-qemu.js';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';
import { ext4Skip, leftovers } from '../helpers/snapshot-env.js';

const BOOT_TIMEOUT_MS = 120_000;

describe('images saved by repoman save-image boot under qemu', { skip: ext4Skip() || bootSkip() }, () => {
  let s: ClientSite;
  let bob: Runner;
  let tree: BootTree;
  let work: string;
  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
    work = join(s.site.dir, 'boot');
    tree = await makeBootTree(join(work, 'tree'));
  });
  after(async () => {
    if (work) leftovers(work).cleanUp();
    await s?.cleanup();
  });

  const ok = (result: RunResult): RunResult => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  const download = async (name: string): Promise<string> => {
    const dest = join(work, `${name}.downloaded`);
    ok(await bob(['download-image', name, dest, '--force'], { timeoutMs: 120_000 }));
    return dest;
  };
  const magic = async (file: string): Promise<Buffer> => {
    const handle = await open(file, 'r');
    try {
      const { buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
      return buffer;
    } finally {
      await handle.close();
    }
  };
  /** The tree's init ran from the image's root (device, ext4) and qemu powered off in time. */
  const assertBooted = (boot: BootResult, rootDevice: RegExp, hostname = 'repoman-boot'): void => {
    const tail = boot.console.slice(-3000);
    assert.equal(boot.timedOut, false, `no power-off within ${BOOT_TIMEOUT_MS / 1000} s; the console ended with:\n${tail}`);
    assert.ok(boot.ms !== undefined, `the image's init never printed its token; the console ended with:\n${tail}`);
    assert.match(boot.console, new RegExp(`${tree.token} init=/sbin/init pid=1`), 'the init of the tree is process 1');
    assert.match(boot.console, new RegExp(`root: ${rootDevice.source} ext4`), tail);
    assert.match(boot.console, new RegExp(`hostname: ${hostname}\\s`));
    assert.equal(boot.code, 0, 'qemu ends with the guest\'s power-off');
  };

  it('--disk --format qcow2: the downloaded image boots by itself (MBR, extlinux, its kernel, root=UUID=)', async (t) => {
    const snapshots = join(work, 'disk-snapshots');
    await rm(snapshots, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', snapshots]);
    const saving = Date.now();
    const saved = ok(await bob(['save-image', 'boot.qcow2', '--source', tree.dir, '--disk', '--format', 'qcow2', '--snapshot-dir', snapshots, '--json'],
      { timeoutMs: 300_000 }));
    t.diagnostic(`save-image --disk --format qcow2 took ${Date.now() - saving} ms`);
    assert.equal((saved.json as { name: string }).name, 'boot.qcow2');
    assert.deepEqual(await readdir(join(snapshots, 'repoman-snapshots')), ['repoman-snapshot-boot'], 'the qcow2 is removed, the raw disk kept');
    // a second save reuses the kept disk (rsync copies the change, extlinux is installed again)
    await writeFile(join(tree.dir, 'etc/hostname'), 'repoman-boot-2\n');
    const args = ['save-image', 'boot.qcow2', '--source', tree.dir, '--disk', '--format', 'qcow2', '--snapshot-dir', snapshots];
    assert.match(ok(await bob([...args, '--dry-run'])).stdout, /reused: rsync copies only what changed/);
    ok(await bob([...args, '--force'], { timeoutMs: 300_000 }));
    const image = await download('boot.qcow2');
    assert.deepEqual(await magic(image), Buffer.from('QFI\xfb', 'latin1'), 'a qcow2 file');
    const info = JSON.parse(spawnSync('qemu-img', ['info', '--output=json', image], { encoding: 'utf8' }).stdout) as { format: string };
    assert.equal(info.format, 'qcow2');

    const boot = await bootImage(['-drive', `file=${image},format=qcow2,if=virtio`], tree.token, BOOT_TIMEOUT_MS);
    t.diagnostic(`the disk booted to its init in ${boot.ms ?? '-'} ms`);
    assertBooted(boot, /\/dev\/vda1/, 'repoman-boot-2');
    assert.match(boot.console, /root=UUID=[0-9a-f-]{36} ro console=tty0 console=ttyS0/, 'the kernel got extlinux\'s command line');
    await rm(image);
  });

  it('the plain file-system image boots with -kernel/-initrd and root=/dev/vda', async (t) => {
    await writeFile(join(tree.dir, 'etc/hostname'), 'repoman-boot\n');
    const snapshots = join(work, 'fs-snapshots');
    spawnSync('mkdir', ['-p', snapshots]);
    ok(await bob(['save-image', 'boot-fs.img', '--source', tree.dir, '--snapshot-dir', snapshots, '--json'], { timeoutMs: 300_000 }));
    const image = await download('boot-fs.img');
    const boot = await bootImage([
      '-drive', `file=${image},format=raw,if=virtio`, '-kernel', tree.kernel.kernel, '-initrd', tree.kernel.initrd,
      '-append', 'root=/dev/vda ro console=ttyS0 panic=-1',
    ], tree.token, BOOT_TIMEOUT_MS);
    t.diagnostic(`the file system booted to its init in ${boot.ms ?? '-'} ms`);
    assertBooted(boot, /\/dev\/vda/);
    await rm(image);
  });
});
