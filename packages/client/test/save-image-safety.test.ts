// save-image's safe defaults and --disk checks with a made-up machine: the private snapshot
// directory (0700, root) refused when it is anything else; sudo without -E, which loses the
// user's grid proxy, named with the fix; the kernel and initrd --disk boots found in the
// source's /boot, and a source without one refused before anything runs; the key-like files
// rsync would copy, as the plan lists them; the flags that do not go together; and
// disk_format, sent only to a server that knows the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../src/cli/cli-errors.js';
import type { CommandContext } from '../src/cli/command-context.js';
import { planSaveImage, type SaveImageOptions } from '../src/commands/save-image.js';
import { findBootFiles } from '../src/snapshot/boot-probe.js';
import { publishSnapshot } from '../src/snapshot/image-publish.js';
import { findKeyFiles } from '../src/snapshot/key-scan.js';
import { checkSudoProxy } from '../src/snapshot/preflight-checks.js';
import { checkPrivateDir, makePrivateDir } from '../src/snapshot/private-dir.js';
import { dirEntry, fakeContext, fakeHost, fakeRunner } from './helpers/fake-system.js';

const refuses = (pattern: RegExp, exitCode = 1) => (error: unknown): boolean => {
  assert.ok(error instanceof CliError, String(error));
  assert.equal(error.exitCode, exitCode, error.message);
  assert.match(error.message, pattern);
  return true;
};

describe('save-image keeps the snapshot private', () => {
  const dir = '/scratch/repoman-snapshots';
  it('makes the private directory 0700 when it is missing, and accepts one that is root\'s and 0700', async () => {
    const host = fakeHost();
    assert.equal(await checkPrivateDir(dir, host), false);
    await makePrivateDir(dir, host);
    assert.deepEqual(await host.entry(dir), dirEntry(0o700));
  });

  const bad: Array<[string, Parameters<typeof dirEntry>, RegExp]> = [
    ['world-readable', [0o755], /mode 0755, owner uid 0/],
    ['another user\'s', [0o700, 1000], /mode 0700, owner uid 1000/],
  ];
  for (const [what, entry, message] of bad) {
    it(`refuses a private directory that is ${what}`, async () => {
      await assert.rejects(checkPrivateDir(dir, fakeHost({ entries: { [dir]: dirEntry(...entry) } })),
        refuses(new RegExp(`${dir} must be a directory only root can use .*${message.source}: remove it, or choose another --snapshot-dir`)));
    });
  }
  it('refuses a symlink in its place (someone else\'s trap in /tmp)', async () => {
    const host = fakeHost({ entries: { [dir]: { ...dirEntry(0o777), kind: 'symlink', target: '/home/mallory/x' } } });
    await assert.rejects(checkPrivateDir(dir, host), refuses(/but it is a symlink/));
  });
});

describe('sudo without -E', () => {
  const defaultProxy = { value: '/tmp/x509up_u0', source: 'default' } as const;
  it('is named, with the fix, when root has no proxy of its own', async () => {
    await assert.rejects(checkSudoProxy(defaultProxy, { SUDO_UID: '1000', SUDO_USER: 'alice' }, fakeHost()),
      refuses(/^no grid proxy: sudo without -E drops X509_USER_PROXY \(and https_proxy\), and \/tmp\/x509up_u0 does not exist: run sudo -E repoman save-image …, or pass --proxy \/tmp\/x509up_u1000$/));
  });
  it('is fine with -E (the proxy comes from the environment), with --proxy, with root\'s own proxy, or without sudo', async () => {
    await checkSudoProxy({ value: '/tmp/x509up_u1000', source: '$X509_USER_PROXY' }, { SUDO_UID: '1000' }, fakeHost());
    await checkSudoProxy({ value: '/p', source: '--proxy' }, { SUDO_UID: '1000' }, fakeHost());
    await checkSudoProxy(defaultProxy, { SUDO_UID: '1000' }, fakeHost({ entries: { '/tmp/x509up_u0': { ...dirEntry(0o600), kind: 'file' } } }));
    await checkSudoProxy(defaultProxy, {}, fakeHost());
  });
});

describe('--disk finds what to boot', () => {
  const MBR = { '/usr/lib/EXTLINUX/mbr.bin': { ...dirEntry(0o644), kind: 'file' as const } };
  it('the newest kernel in /boot and its initrd, Debian or Red Hat names', async () => {
    const debian = fakeHost({ entries: MBR, lists: { '/srv/root/boot': ['config-6.1.0-9-amd64', 'vmlinuz-6.1.0-9-amd64', 'vmlinuz-6.1.0-13-amd64', 'initrd.img-6.1.0-13-amd64', 'initrd.img-6.1.0-9-amd64'] } });
    assert.deepEqual(await findBootFiles('/srv/root', debian), { kernel: '/boot/vmlinuz-6.1.0-13-amd64', initrd: '/boot/initrd.img-6.1.0-13-amd64' });
    const redhat = fakeHost({ entries: MBR, lists: { '/boot': ['vmlinuz-5.14.0-70.el9.x86_64', 'initramfs-5.14.0-70.el9.x86_64.img'] } });
    assert.deepEqual(await findBootFiles('/', redhat), { kernel: '/boot/vmlinuz-5.14.0-70.el9.x86_64', initrd: '/boot/initramfs-5.14.0-70.el9.x86_64.img' });
    assert.deepEqual(await findBootFiles('/', fakeHost({ entries: MBR, lists: { '/boot': ['vmlinuz'] } })), { kernel: '/boot/vmlinuz', initrd: undefined });
  });

  it('a /boot on a file system of its own (not copied), or no extlinux MBR code, is refused', async () => {
    const separate = fakeHost({ entries: { ...MBR, '/': dirEntry(0o755, 0, 0, 1), '/boot': dirEntry(0o755, 0, 0, 2) }, lists: { '/boot': ['vmlinuz-6.1'] } });
    await assert.rejects(findBootFiles('/', separate), refuses(/\/boot is a file system of its own, which save-image does not copy: save without --disk, or move \/boot/));
    await assert.rejects(findBootFiles('/', fakeHost({ lists: { '/boot': ['vmlinuz-6.1'] } })), refuses(/install the Debian package syslinux-common/));
  });

  it('a source with no kernel is refused before anything runs (no rsync, no file)', async () => {
    const runner = fakeRunner({ findmnt: { stdout: JSON.stringify({ filesystems: [{ target: '/', source: '/dev/vda1', fstype: 'ext4' }] }) }, du: { stdout: '1000\t/srv/tree\n' } });
    const host = fakeHost({ entries: { ...MBR, '/srv/tree': dirEntry(), '/scratch': dirEntry() }, lists: { '/srv/tree/boot': ['grub'] } });
    const options: SaveImageOptions = {
      name: 'tree.img', resize: undefined, snapshotDir: '/scratch', excludes: [], excludeFrom: undefined, source: '/srv/tree', gzip: false, clean: false,
      dryRun: false, force: false, fields: {}, json: false, disk: true,
    };
    await assert.rejects(planSaveImage(options, fakeContext(), { runner, host }),
      refuses(/^--disk needs a kernel to boot, and \/srv\/tree\/boot has no vmlinuz\*: install one in the source \(Debian: apt-get install linux-image-amd64\) or save without --disk/));
    assert.deepEqual(runner.calls.map((argv) => argv[0]), ['findmnt', 'blkid', 'du'], 'look-ups only');
  });

  const flags: Array<[Partial<SaveImageOptions>, RegExp]> = [
    [{ gzip: true, format: 'qcow2' }, /--gzip and --format qcow2 do not go together: give --compress/],
    [{ compress: true }, /--compress compresses a qcow2: add --format qcow2/],
  ];
  for (const [given, message] of flags) {
    it(`${JSON.stringify(given)} is a usage error`, async () => {
      const options = { name: 'x.img', resize: undefined, snapshotDir: '/scratch', excludes: [], excludeFrom: undefined, source: undefined, gzip: false, clean: false, dryRun: true, force: false, fields: {}, json: false, ...given };
      const runner = fakeRunner();
      await assert.rejects(planSaveImage(options, fakeContext(), { runner, host: fakeHost() }), refuses(message, 2));
      assert.deepEqual(runner.calls, []);
    });
  }
});

describe('the key-like files the copy would take', () => {
  it('are what rsync lists behind the run\'s excludes: *.pem with a private key, id_* but not .pub, *.key', async () => {
    const listing = [
      'drwxr-xr-x          4,096 2026/12/07 07:00:00 .',
      'drwxr-xr-x          4,096 2026/12/07 07:00:00 etc',
      '-rw-------          1,704 2026/12/07 07:00:00 etc/ssl/private/site.pem',
      '-rw-r--r--          1,204 2026/12/07 07:00:00 etc/ssl/certs/ca.pem',
      '-rw-------            411 2026/12/07 07:00:00 home/bob/work/id_ed25519',
      '-rw-r--r--             99 2026/12/07 07:00:00 home/bob/work/id_ed25519.pub',
      '-rw-------          3,243 2026/12/07 07:00:00 opt/app/server name.key',
      'lrwxrwxrwx             10 2026/12/07 07:00:00 opt/app/link.key -> server.key',
    ].join('\n');
    const runner = fakeRunner({ rsync: { stdout: `${listing}\n` } });
    const host = fakeHost({ texts: { '/srv/t/etc/ssl/private/site.pem': '-----BEGIN PRIVATE KEY-----\nMII…\n', '/srv/t/etc/ssl/certs/ca.pem': '-----BEGIN CERTIFICATE-----\n' } });
    const found = await findKeyFiles('/srv/t', [{ pattern: '/root/.ssh', origin: 'credentials' }], runner, host);
    assert.deepEqual(found, ['/etc/ssl/private/site.pem', '/home/bob/work/id_ed25519', '/opt/app/server name.key']);
    assert.deepEqual(runner.lines(), ['rsync --recursive --one-file-system --list-only --prune-empty-dirs --exclude=/root/.ssh --include=*/ '
      + '--include=*.pem --include=id_* --include=*.key --exclude=* /srv/t/']);
  });
});

describe('the image\'s disk_format', () => {
  /** A client whose records look like `record`, noting each modify body. */
  const clientWith = (record: Record<string, unknown>) => {
    const modified: unknown[] = [];
    const client = {
      createImage: async () => record,
      uploadImage: async () => ({ image: record, size: 1, sha256: 'x' }),
      modifyImage: async (_ref: unknown, changes: unknown) => (modified.push(changes), record),
      getImage: async () => record,
      deleteImage: async () => undefined,
    };
    return { modified, context: { ...fakeContext(), client: () => client } as unknown as CommandContext };
  };

  it('is sent to a server whose image records have the field, and not to one without it (it would refuse it)', async () => {
    const knows = clientWith({ name: 'w.qcow2', disk_format: null });
    await publishSnapshot(knows.context, { name: 'w.qcow2', file: '/x', fields: {}, existing: undefined, diskFormat: 'qcow2' });
    assert.deepEqual(knows.modified, [{ disk_format: 'qcow2' }]);
    const old = clientWith({ name: 'w.qcow2' });
    await publishSnapshot(old.context, { name: 'w.qcow2', file: '/x', fields: {}, existing: undefined, diskFormat: 'qcow2' });
    assert.deepEqual(old.modified, []);
  });
});
