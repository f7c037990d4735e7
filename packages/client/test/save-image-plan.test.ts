// The save-image plan from facts alone: the commands and their arguments (new, reused, made
// afresh, --gzip), the image's size, type and label, the system directories recreated with
// their modes, the excludes and where they come from, the dry-run report, the minimum size,
// and the hypervisor names. Nothing here runs a tool.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../src/cli/cli-errors.js';
import { buildExcludes, CREDENTIAL_EXCLUDES, DEFAULT_SYSTEM_EXCLUDES } from '../src/snapshot/exclude-list.js';
import { hypervisorFromDmi, hypervisorFromVirt } from '../src/snapshot/hypervisor-detection.js';
import { formatPlan } from '../src/snapshot/plan-report.js';
import { defaultImageSize, makePlan, minimumImageSize, type PlanInput } from '../src/snapshot/snapshot-plan.js';
import type { EntryFacts } from '../src/snapshot/snapshot-host.js';
import type { SourceFacts } from '../src/snapshot/source-probe.js';
import { dirEntry, GIB } from './helpers/fake-system.js';

const MIB = 1024 ** 2;
const SOURCE: SourceFacts = { root: '/', mountPoint: '/', device: '/dev/vda1', fsType: 'ext4', label: 'cloudimg-rootfs', fsSize: 20 * GIB, used: 3 * GIB, usedBy: 'statfs' };
const FILE = '/scratch/repoman-snapshot-worker.img';
const MNT = `${FILE}.mnt`;
const SIZE = defaultImageSize(3 * GIB);
const CREDENTIALS = '--exclude=/root/.ssh --exclude=/home/*/.ssh --exclude=/etc/ssh/ssh_host_* --exclude=/tmp/x509up_* --exclude=/root/.globus/userkey.pem '
  + '--exclude=/home/*/.globus/userkey.pem --exclude=/etc/grid-security/hostkey.pem --exclude=/var/lib/cloud/instance*';

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  const source = overrides.source ?? SOURCE;
  const excludes = buildExcludes({ root: source.root, snapshotDir: '/scratch', lockFile: '/scratch/repoman-save-image.lock', flags: ['/root/.ssh'] });
  const systemEntries = new Map<string, EntryFacts | undefined>(DEFAULT_SYSTEM_EXCLUDES.map((dir) => [dir, dirEntry(dir === '/tmp' ? 0o1777 : 0o755)]));
  return {
    name: 'worker.img', source, excludes, systemEntries, snapshotDir: '/scratch', snapshotSpace: { size: 100 * GIB, used: 0, free: 100 * GIB },
    existing: undefined, resize: undefined, clean: false, gzip: false, ...overrides,
  };
}

const argvs = (plan: ReturnType<typeof makePlan>): string[] => plan.steps.map((step) => step.argv.join(' '));

describe('save-image plan', () => {
  it('a first run makes a sparse file of the used space plus headroom (root only), formats it like the root, mounts, copies, recreates, unmounts', () => {
    const plan = makePlan(input());
    assert.deepEqual(argvs(plan), [
      `truncate --size=${SIZE} ${FILE}`,
      `chmod 0600 ${FILE}`,
      `mkfs.ext4 -F -q -L cloudimg-rootfs ${FILE}`,
      `mkdir -p ${MNT}`,
      `mount -t ext4 -o loop ${FILE} ${MNT}`,
      'rsync --archive --hard-links --acls --xattrs --sparse --numeric-ids --one-file-system --delete --delete-excluded --filter=P /lost+found '
        + `--exclude=/dev --exclude=/proc --exclude=/sys --exclude=/tmp --exclude=/run --exclude=/mnt --exclude=/scratch --exclude=/scratch/repoman-save-image.lock ${CREDENTIALS} / ${MNT}/`,
      `install -d -m 0755 -o 0 -g 0 ${MNT}/dev`,
      `install -d -m 0755 -o 0 -g 0 ${MNT}/proc`,
      `install -d -m 0755 -o 0 -g 0 ${MNT}/sys`,
      `install -d -m 1777 -o 0 -g 0 ${MNT}/tmp`,
      `install -d -m 0755 -o 0 -g 0 ${MNT}/run`,
      `install -d -m 0755 -o 0 -g 0 ${MNT}/mnt`,
      `sync --file-system ${MNT}`,
      `umount ${MNT}`,
      `rmdir ${MNT}`,
    ]);
    assert.deepEqual(plan.steps.filter((step) => step.effect).map((step) => [step.argv[0], step.effect]), [['mount', 'mount'], ['umount', 'unmount']]);
    assert.deepEqual(plan.steps.find((step) => step.argv[0] === 'rsync')?.tolerate, [24], 'files vanishing on a live system is no failure');
    assert.deepEqual([plan.size, plan.sizeFrom, plan.reuse, plan.uploadFile], [SIZE, 'used space', false, FILE]);
    assert.match(plan.reason, /^new/);
  });

  it('the default size is the used space plus 30% and 256 MiB, not the size of the source\'s file system', () => {
    assert.equal(defaultImageSize(0), 256 * MIB);
    assert.equal(defaultImageSize(31 * MIB), 297 * MIB, 'a 31 MiB tree: 297 MiB, not the host\'s 252 GiB');
    assert.equal(defaultImageSize(3 * GIB), Math.ceil((3 * GIB * 1.3 + 256 * MIB) / MIB) * MIB);
    for (const used of [0, MIB, GIB, 100 * GIB]) assert.ok(defaultImageSize(used) > minimumImageSize(used), 'always above the minimum');
  });

  it('a later run with the same size reuses the file: root only again, a quick fsck, no truncate, no mkfs', () => {
    const plan = makePlan(input({ existing: { size: SIZE, allocated: 3 * GIB, fsType: 'ext4' } }));
    assert.equal(plan.reuse, true);
    assert.deepEqual(argvs(plan).slice(0, 3), [`chmod 0600 ${FILE}`, `e2fsck -p ${FILE}`, `mkdir -p ${MNT}`]);
    assert.deepEqual(plan.steps[1]?.tolerate, [1]);
    assert.ok(plan.spaceNeeded < 1 * GIB, `reusing needs only the growth, not ${plan.spaceNeeded}`);
  });

  const afresh: Array<[string, Partial<PlanInput>, RegExp]> = [
    ['--clean', { clean: true, existing: { size: 20 * GIB, allocated: GIB, fsType: 'ext4' } }, /--clean/],
    ['a changed size', { resize: 8 * GIB, existing: { size: 20 * GIB, allocated: GIB, fsType: 'ext4' } }, /size changed/],
    ['no file system in it', { existing: { size: SIZE, allocated: 0, fsType: undefined } }, /holds no ext4/],
  ];
  for (const [why, overrides, reason] of afresh) {
    it(`${why} makes the kept file afresh (emptied first, then formatted)`, () => {
      const plan = makePlan(input(overrides));
      assert.equal(plan.reuse, false);
      assert.match(plan.reason, reason);
      assert.deepEqual(argvs(plan).slice(0, 4).map((line) => line.split(' ').slice(0, 2).join(' ')), ['truncate --size=0', `truncate --size=${plan.size}`, 'chmod 0600', 'mkfs.ext4 -F']);
    });
  }

  it('--resize is rounded up to a MiB; --gzip compresses last and uploads the .gz', () => {
    const plan = makePlan(input({ resize: 5 * GIB + 1, gzip: true }));
    assert.deepEqual([plan.size, plan.sizeFrom], [5 * GIB + MIB, '--resize']);
    assert.deepEqual(plan.steps.at(-1)?.argv, ['gzip', '--keep', '--force', FILE]);
    assert.equal(plan.uploadFile, `${FILE}.gz`);
    assert.equal(plan.spaceNeeded, minimumImageSize(3 * GIB) + 3 * GIB, 'room for the snapshot and its gzip');
  });

  const DISK = { kernel: '/boot/vmlinuz-6.1.0-13-amd64', initrd: '/boot/initrd.img-6.1.0-13-amd64', keepUuid: 'c0ffee00-0000-4000-8000-000000000001', newUuid: 'feedf00d-0000-4000-8000-000000000002' };

  it('--disk: a partition table, the file system at 1 MiB with the source\'s UUID, extlinux booting the source\'s kernel, the MBR code', () => {
    const plan = makePlan(input({ disk: DISK }));
    const part = SIZE;
    assert.equal(plan.size, defaultImageSize(3 * GIB) + MIB, 'the partition gets the default size, the disk 1 MiB more');
    assert.deepEqual(argvs(plan).filter((line) => !/^(rsync|install) /.test(line)), [
      `truncate --size=${plan.size} ${FILE}`,
      `chmod 0600 ${FILE}`,
      `sfdisk --quiet ${FILE}`,
      `mkfs.ext4 -F -q -L cloudimg-rootfs -b 4096 -U ${DISK.keepUuid} -E offset=1048576 ${FILE} ${part / 1024}k`,
      `mkdir -p ${MNT}`,
      `mount -t ext4 -o loop,offset=1048576,sizelimit=${part} ${FILE} ${MNT}`,
      `mkdir -p ${MNT}/boot/extlinux`,
      `extlinux --install ${MNT}/boot/extlinux`,
      `tee ${MNT}/boot/extlinux/extlinux.conf`,
      `sync --file-system ${MNT}`,
      `umount ${MNT}`,
      `rmdir ${MNT}`,
      `dd if=/usr/lib/EXTLINUX/mbr.bin of=${FILE} bs=440 count=1 conv=notrunc`,
    ]);
    assert.equal(plan.steps.find((step) => step.argv[0] === 'sfdisk')?.input, 'label: dos\nstart=2048, type=83, bootable\n');
    assert.equal(plan.disk?.bootConfig, [
      'DEFAULT linux', 'PROMPT 0', 'TIMEOUT 1', 'LABEL linux', '  LINUX /boot/vmlinuz-6.1.0-13-amd64', '  INITRD /boot/initrd.img-6.1.0-13-amd64',
      `  APPEND root=UUID=${DISK.keepUuid} ro console=tty0 console=ttyS0,115200`, '',
    ].join('\n'));
    assert.ok(plan.steps.find((step) => step.argv[0] === 'rsync')?.argv.includes('--filter=P /boot/extlinux/'), 'rsync leaves extlinux\'s immutable files alone');
    const report = formatPlan(plan, []).join('\n');
    assert.match(report, /^boot: +extlinux: \/boot\/vmlinuz-6\.1\.0-13-amd64 with \/boot\/initrd\.img-6\.1\.0-13-amd64, root=UUID=c0ffee00-/m);
    assert.match(report, /^ {2}sfdisk --quiet \S+ <<'EOF'\n {2}label: dos\n {2}start=2048, type=83, bootable\n {2}EOF$/m);
  });

  it('--disk reuses a kept disk only with the same UUID (checked at its offset); a chroot gets a new UUID', () => {
    const kept = { size: SIZE + MIB, allocated: GIB, fsType: 'ext4', uuid: DISK.keepUuid };
    const reused = makePlan(input({ disk: DISK, existing: kept }));
    assert.equal(reused.reuse, true, reused.reason);
    assert.ok(argvs(reused).includes(`e2fsck -p ${FILE}?offset=1048576`));
    const other = makePlan(input({ disk: DISK, existing: { ...kept, uuid: 'another' } }));
    assert.match(other.reason, /UUID is not the source's/);
    const chroot = makePlan(input({ disk: { ...DISK, keepUuid: undefined } }));
    assert.equal(chroot.disk?.uuid, DISK.newUuid);
    const xfs = makePlan(input({ disk: DISK, source: { ...SOURCE, fsType: 'xfs' } }));
    assert.equal(xfs.fsType, 'ext4', 'extlinux boots ext2/3/4 here');
    assert.match(xfs.fsTypeNote ?? '', /bootable disk/);
  });

  it('--format qcow2 converts last (compressed with --compress) and uploads the qcow2', () => {
    const plan = makePlan(input({ disk: DISK, format: 'qcow2', compress: true }));
    assert.deepEqual(plan.steps.at(-1)?.argv, ['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', '-c', FILE, `${FILE}.qcow2`]);
    assert.equal(plan.uploadFile, `${FILE}.qcow2`);
    assert.equal(makePlan(input({ format: 'qcow2' })).steps.at(-1)?.argv.includes('-c'), false);
    assert.equal(makePlan(input({ name: 'worker.qcow2', format: 'qcow2' })).uploadFile, '/scratch/repoman-snapshot-worker.qcow2');
  });

  it('a source file system an image cannot keep (overlay) becomes ext4, with a note; xfs is kept with its own flags', () => {
    const overlay = makePlan(input({ source: { ...SOURCE, fsType: 'overlay', label: undefined } }));
    assert.equal(overlay.fsType, 'ext4');
    assert.match(overlay.fsTypeNote ?? '', /overlay.*ext4/);
    assert.ok(argvs(overlay).includes(`mkfs.ext4 -F -q ${FILE}`), 'no label, no -L');
    const xfs = makePlan(input({ source: { ...SOURCE, fsType: 'xfs', label: 'a-very-long-label-indeed' } }));
    assert.ok(argvs(xfs).includes(`mkfs.xfs -f -q -L a-very-long- ${FILE}`), argvs(xfs).join('\n'));
    assert.ok(argvs(xfs).includes(`mount -t xfs -o loop ${FILE} ${MNT}`));
  });

  it('system directories keep the source\'s mode and owner; missing ones get defaults; a symlink stays a symlink', () => {
    const systemEntries = new Map<string, EntryFacts | undefined>([
      ['/tmp', undefined], ['/proc', dirEntry(0o555)], ['/run', { kind: 'symlink', mode: 0o777, uid: 0, gid: 0, target: '/var/run', size: 8, allocated: 0, device: 1 }],
      ['/mnt', dirEntry(0o700, 5, 6)],
    ]);
    const plan = makePlan(input({ systemEntries }));
    const recreate = argvs(plan).filter((line) => line.startsWith('install') || line.startsWith('ln'));
    assert.deepEqual(recreate, [
      `install -d -m 0755 -o 0 -g 0 ${MNT}/dev`,
      `install -d -m 0555 -o 0 -g 0 ${MNT}/proc`,
      `install -d -m 0755 -o 0 -g 0 ${MNT}/sys`,
      `install -d -m 1777 -o 0 -g 0 ${MNT}/tmp`,
      `ln -s -f -n /var/run ${MNT}/run`,
      `install -d -m 0700 -o 5 -g 6 ${MNT}/mnt`,
    ]);
  });

  it('the minimum size is the used space plus 5% and 64 MiB, in whole MiB', () => {
    assert.equal(minimumImageSize(0), 64 * MIB);
    assert.equal(minimumImageSize(100 * MIB), 169 * MIB);
  });

  it('the dry-run report shows sizes, the reason, each exclude with its origin, and every command', () => {
    const lines = formatPlan(makePlan(input()), [['upload', 'worker.img']]);
    const text = lines.join('\n');
    assert.equal(lines[0], 'save-image worker.img: dry run, nothing is changed');
    assert.match(text, /^image file: +\/scratch\/repoman-snapshot-worker\.img: 4\.15 GiB sparse \(the used space plus 30% and 256 MiB\), ext4 labelled "cloudimg-rootfs"; new/m);
    assert.match(text, /^excluded: +\/dev \/proc \/sys \/tmp \/run \/mnt \(system, copied empty\)$/m);
    assert.match(text, /^excluded: +\/scratch \/scratch\/repoman-save-image\.lock \(the snapshot directory and lock\)$/m);
    assert.match(text, /^excluded: +\/root\/\.ssh \/home\/\*\/\.ssh .* \/var\/lib\/cloud\/instance\* \(credentials: keep them with --include-credentials\)$/m);
    assert.match(text, /^key-like files: +none copied$/m);
    assert.match(text, /^ {2}rsync .* '--filter=P \/lost\+found' /m, 'arguments are shell-quoted');
    assert.match(text, /^upload: +worker\.img$/m);
  });
});

describe('save-image excludes', () => {
  const base = { root: '/srv/chroot', snapshotDir: '/scratch', lockFile: '/scratch/repoman-save-image.lock', flags: [] as string[] };

  it('system directories, then config user_excludes, --exclude and --exclude-from, without duplicates or comments', () => {
    const list = buildExcludes({
      ...base, userExcludes: '/root/.ssh, /etc/grid-security', includeCredentials: false, flags: ['/var/cache', '/root/.ssh'], fromFile: '# secrets\n*.pem\n\n; old\n/home/*/.globus\n',
    });
    assert.deepEqual(list.systemDirs, DEFAULT_SYSTEM_EXCLUDES);
    assert.deepEqual(list.excludes.map((e) => `${e.origin} ${e.pattern}`), [
      ...DEFAULT_SYSTEM_EXCLUDES.map((dir) => `system ${dir}`),
      ...CREDENTIAL_EXCLUDES.map((pattern) => `credentials ${pattern}`),
      'config /etc/grid-security', '--exclude /var/cache', '--exclude-from *.pem', '--exclude-from /home/*/.globus',
    ]);
  });

  it('credentials are left out by default, and kept with --include-credentials', () => {
    const patterns = (list: ReturnType<typeof buildExcludes>): string[] => list.excludes.filter((e) => e.origin === 'credentials').map((e) => e.pattern);
    assert.deepEqual(patterns(buildExcludes(base)), [
      '/root/.ssh', '/home/*/.ssh', '/etc/ssh/ssh_host_*', '/tmp/x509up_*', '/root/.globus/userkey.pem', '/home/*/.globus/userkey.pem',
      '/etc/grid-security/hostkey.pem', '/var/lib/cloud/instance*',
    ]);
    const kept = buildExcludes({ ...base, includeCredentials: true, userExcludes: '/root/.ssh' });
    assert.deepEqual(patterns(kept), []);
    assert.deepEqual(kept.excludes.filter((e) => e.origin === 'config').map((e) => e.pattern), ['/root/.ssh'], 'the user\'s own excludes still hold');
  });

  it('config system_excludes replaces the default list; entries must be absolute', () => {
    assert.deepEqual(buildExcludes({ ...base, systemExcludes: '/dev /proc/ /var/tmp' }).systemDirs, ['/dev', '/proc', '/var/tmp']);
    assert.throws(() => buildExcludes({ ...base, systemExcludes: 'tmp' }), (error: CliError) => error.exitCode === 2 && /absolute/.test(error.message));
    assert.throws(() => buildExcludes({ ...base, systemExcludes: '/' }), /cannot hold \//);
  });

  it('the snapshot directory and lock are excluded when inside the source, and refused when they are the source', () => {
    const inside = buildExcludes({ ...base, snapshotDir: '/srv/chroot/var/snap', lockFile: '/srv/chroot/var/snap/repoman-save-image.lock' });
    assert.deepEqual(inside.excludes.filter((e) => e.origin === 'snapshot').map((e) => e.pattern), ['/var/snap', '/var/snap/repoman-save-image.lock']);
    assert.deepEqual(buildExcludes(base).excludes.filter((e) => e.origin === 'snapshot'), [], 'outside the source: nothing to exclude');
    assert.throws(() => buildExcludes({ ...base, snapshotDir: '/srv/chroot' }), /is the source itself/);
  });
});

describe('hypervisor detection names', () => {
  const virt: Array<[string, string | undefined]> = [
    ['kvm', 'kvm'], ['qemu', 'kvm'], ['amazon', 'kvm'], ['google', 'kvm'], ['xen', 'xen'], ['vmware', 'vmware'], ['oracle', 'virtualbox'],
    ['microsoft', 'hyperv'], ['bhyve', 'bhyve'], ['zvm', 'zvm'], ['none', undefined], ['', undefined],
  ];
  for (const [word, expected] of virt) it(`systemd-detect-virt "${word}" → ${expected ?? 'nothing'}`, () => assert.equal(hypervisorFromVirt(`${word}\n`), expected));
  const dmi: Array<[string, string, string | undefined]> = [
    ['QEMU', 'Standard PC (Q35 + ICH9, 2009)', 'kvm'], ['Xen', 'HVM domU', 'xen'], ['VMware, Inc.', 'VMware Virtual Platform', 'vmware'],
    ['innotek GmbH', 'VirtualBox', 'virtualbox'], ['Microsoft Corporation', 'Virtual Machine', 'hyperv'], ['Amazon EC2', 'm5.large', 'kvm'],
    ['Dell Inc.', 'PowerEdge R640', undefined],
  ];
  for (const [vendor, product, expected] of dmi) it(`DMI "${vendor}" / "${product}" → ${expected ?? 'nothing'}`, () => assert.equal(hypervisorFromDmi(vendor, product), expected));
});
