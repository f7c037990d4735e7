// save-image's checks, lock and failure handling with an injected runner and host: each
// check refuses with its line and runs nothing that changes the machine; the lock is taken with
// O_EXCL, refused while its pid lives and taken over when stale; a failed or interrupted step
// unmounts, detaches the loop device and removes the mount point; --dry-run prints the plan
// and runs only look-ups.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { CliError } from '../src/cli/cli-errors.js';
import { planSaveImage, runSaveImage, type SaveImageOptions } from '../src/commands/save-image.js';
import { buildExcludes } from '../src/snapshot/exclude-list.js';
import { executeSteps } from '../src/snapshot/plan-executor.js';
import { checkRoot, checkSizes, checkTools } from '../src/snapshot/preflight-checks.js';
import { acquireLock } from '../src/snapshot/snapshot-lock.js';
import { makePlan, type SnapshotPlan } from '../src/snapshot/snapshot-plan.js';
import { dirEntry, fakeContext, fakeHost, fakeRunner, GIB, type Answer } from './helpers/fake-system.js';

const MIB = 1024 ** 2;
const LOOK_UPS = new Set(['findmnt', 'blkid', 'du', 'systemd-detect-virt']);
/** The commands that change something: all but the look-ups (and rsync listing the key-like files). */
const changing = (calls: string[][]): string[][] => calls.filter((argv) => !LOOK_UPS.has(argv[0] ?? '') && !argv.includes('--list-only'));

function plan(overrides: { resize?: number; used?: number; free?: number; fsSize?: number } = {}): SnapshotPlan {
  const source = { root: '/', mountPoint: '/', device: '/dev/vda1', fsType: 'ext4', label: undefined, fsSize: overrides.fsSize ?? 20 * GIB, used: overrides.used ?? 3 * GIB, usedBy: 'statfs' as const };
  return makePlan({
    name: 'worker.img', source, excludes: buildExcludes({ root: '/', snapshotDir: '/scratch', lockFile: '/scratch/repoman-save-image.lock', flags: [] }),
    systemEntries: new Map(), snapshotDir: '/scratch', snapshotSpace: { size: 100 * GIB, used: 0, free: overrides.free ?? 90 * GIB },
    existing: undefined, resize: overrides.resize, clean: false, gzip: false,
  });
}

const refuses = (pattern: RegExp, exitCode = 1) => (error: unknown): boolean => {
  assert.ok(error instanceof CliError, String(error));
  assert.equal(error.exitCode, exitCode, error.message);
  assert.match(error.message, pattern);
  return true;
};

describe('save-image checks', () => {
  it('refuses to run as anyone but root, saying how', () => {
    assert.throws(() => checkRoot(fakeHost({ uid: 1000 })), refuses(/must run as root.*sudo -E/));
    checkRoot(fakeHost({ uid: 0 }));
  });

  it('names every missing tool and the Debian package that provides it', async () => {
    const runner = fakeRunner({}, ['findmnt', 'mount']);
    await assert.rejects(checkTools(runner, ['rsync', 'mount', 'mkfs.xfs', 'losetup']),
      refuses(/needs rsync, mkfs\.xfs, losetup, not found .*install the Debian packages rsync xfsprogs mount \(apt-get install rsync xfsprogs mount\)/));
    assert.deepEqual(runner.calls, [], 'looking is all it does');
  });

  it('a --resize smaller than the used space (plus the file system\'s needs) is a usage error', () => {
    assert.throws(() => checkSizes(plan({ resize: 3 * GIB })), refuses(/--resize 3\.00 GiB is too small: the image needs at least 3\.21 GiB .*give --resize 3290M or more/, 2));
    checkSizes(plan({ resize: 4 * GIB }));
    checkSizes(plan({ fsSize: 100 * MIB, used: 90 * MIB })); // sized by the used space, not by the file system
  });

  it('a snapshot directory without room for the used space is refused, advising a big second disk', () => {
    assert.throws(() => checkSizes(plan({ free: 2 * GIB })), refuses(/snapshot directory \/scratch has 2\.00 GiB free, but this snapshot needs about 3\.21 GiB .*--snapshot-dir DIR .*large secondary disk/));
  });
});

describe('save-image lock', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repoman-lock-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is a file holding our pid; a second taker is refused while that pid lives; release removes it', async () => {
    const path = join(dir, 'a.lock');
    const lock = await acquireLock(path, 111, () => true);
    assert.equal(await readFile(path, 'utf8'), '111\n');
    assert.equal(lock.tookOverFrom, undefined);
    await assert.rejects(acquireLock(path, 222, (pid) => pid === 111), refuses(/another repoman save-image \(pid 111\) is running/));
    await lock.release();
    await assert.rejects(readFile(path), { code: 'ENOENT' });
  });

  it('a stale lock (its pid is gone) is taken over, and says so', async () => {
    const path = join(dir, 'b.lock');
    await writeFile(path, '999999\n');
    const lock = await acquireLock(path, 333, () => false);
    assert.equal(lock.tookOverFrom, 999999);
    assert.equal(await readFile(path, 'utf8'), '333\n');
    await lock.release();
  });

  it('release leaves a lock that is no longer ours', async () => {
    const path = join(dir, 'c.lock');
    const lock = await acquireLock(path, 444, () => false);
    await writeFile(path, '555\n');
    await lock.release();
    assert.equal(await readFile(path, 'utf8'), '555\n');
  });
});

describe('save-image steps fail cleanly', () => {
  const mounted = (state: { mounted: boolean }): Record<string, Answer> => ({
    mount: () => ((state.mounted = true), {}),
    umount: () => ((state.mounted = false), {}),
    findmnt: () => ({ code: state.mounted ? 0 : 1 }),
    'losetup --associated /scratch/repoman-snapshot-worker.img': { stdout: '/dev/loop7: [2049]:12 (/scratch/repoman-snapshot-worker.img)\n' },
  });
  const cleanupOf = (lines: string[]): string[] => lines.slice(lines.findIndex((line) => line.startsWith('findmnt')));

  it('an rsync error unmounts, detaches the loop device and removes the mount point, then says what failed', async () => {
    const state = { mounted: false };
    const runner = fakeRunner({ ...mounted(state), rsync: { code: 23, stderr: 'rsync: [sender] open "/etc/shadow" failed: Permission denied (13)\nrsync error: some files could not be transferred (code 23)\n' } });
    await assert.rejects(executeSteps(plan(), { runner, signal: new AbortController().signal, warn: () => undefined, retryDelayMs: 0 }),
      refuses(/^copy \/ into it with rsync failed: rsync exited 23 \(some files could not be copied\): .*Permission denied.*; the snapshot was unmounted and nothing was uploaded/));
    assert.deepEqual(cleanupOf(runner.lines()), [
      'findmnt --noheadings --mountpoint /scratch/repoman-snapshot-worker.img.mnt',
      'umount /scratch/repoman-snapshot-worker.img.mnt',
      'findmnt --noheadings --mountpoint /scratch/repoman-snapshot-worker.img.mnt',
      'losetup --associated /scratch/repoman-snapshot-worker.img',
      'losetup --detach /dev/loop7',
      'rmdir /scratch/repoman-snapshot-worker.img.mnt',
    ]);
    assert.equal(state.mounted, false);
  });

  it('a full image says to give a bigger --resize', async () => {
    const runner = fakeRunner({ ...mounted({ mounted: false }), rsync: { code: 11, stderr: 'rsync: write failed on "/x": No space left on device (28)\n' } });
    await assert.rejects(executeSteps(plan(), { runner, signal: new AbortController().signal, warn: () => undefined }),
      refuses(/error in file I\/O.*the image is full: give a bigger --resize/));
  });

  it('Ctrl-C during rsync kills it, cleans up and exits 130', async () => {
    const state = { mounted: false };
    const controller = new AbortController();
    const runner = fakeRunner({
      ...mounted(state),
      rsync: (_argv, options) => new Promise((resolve) => {
        options.signal?.addEventListener('abort', () => resolve({ code: -1, signal: 'SIGTERM' }));
        setImmediate(() => controller.abort());
      }),
    });
    await assert.rejects(executeSteps(plan(), { runner, signal: controller.signal, warn: () => undefined, retryDelayMs: 0 }),
      refuses(/^interrupted: the snapshot was unmounted and nothing was uploaded/, 130));
    assert.equal(state.mounted, false);
    assert.ok(runner.lines().includes('losetup --detach /dev/loop7'));
    assert.ok(!runner.lines().some((line) => line.startsWith('install')), 'no step after the interrupted one');
  });

  it('a busy mount is retried, and rsync\'s "files vanished" (24) is only a warning', async () => {
    const state = { mounted: false };
    let umounts = 0;
    const warnings: string[] = [];
    const runner = fakeRunner({
      ...mounted(state),
      rsync: { code: 24 },
      'umount /scratch/repoman-snapshot-worker.img.mnt': () => ((umounts += 1), umounts === 1 ? { code: 32, stderr: 'target is busy' } : ((state.mounted = false), {})),
      'rmdir /scratch/repoman-snapshot-worker.img.mnt': { code: 1 },
    });
    await assert.rejects(executeSteps(plan(), { runner, signal: new AbortController().signal, warn: (m) => warnings.push(m), retryDelayMs: 0 }), refuses(/umount exited 32: target is busy/));
    assert.match(warnings.join('\n'), /vanished/);
    assert.equal(state.mounted, false, 'the cleanup tried again');
  });
});

describe('save-image from the command\'s side, with a made-up machine', () => {
  let snap: string;
  before(async () => {
    snap = await mkdtemp(join(tmpdir(), 'repoman-snap-'));
  });
  after(async () => {
    await rm(snap, { recursive: true, force: true });
  });
  const options = (overrides: Partial<SaveImageOptions> = {}): SaveImageOptions => ({
    name: 'worker.img', resize: undefined, snapshotDir: snap, excludes: [], excludeFrom: undefined, source: undefined, gzip: false, clean: false,
    dryRun: true, force: false, fields: {}, json: false, ...overrides,
  });
  const machine = (uid = 0) => ({
    runner: fakeRunner({
      findmnt: { stdout: JSON.stringify({ filesystems: [{ target: '/', source: '/dev/vda1', fstype: 'ext4', label: 'root' }] }) },
      blkid: { code: 2 },
      'systemd-detect-virt': { stdout: 'xen\n' },
    }),
    host: fakeHost({ uid, entries: { '/': dirEntry(), [snap]: dirEntry(), '/tmp': dirEntry(0o1777) } }),
  });

  it('--dry-run prints the plan, runs only look-ups and takes no lock', async () => {
    const context = fakeContext({ userExcludes: '/root/.ssh' });
    const system = machine();
    await runSaveImage(options({ gzip: true }), context, system);
    await tick();
    assert.match(context.stdout(), /^save-image worker\.img: dry run, nothing is changed\n/);
    assert.match(context.stdout(), /labelled "root"/);
    assert.match(context.stdout(), /^excluded: +\/root\/\.ssh \/home\/\*\/\.ssh .*\(credentials: keep them with --include-credentials\)$/m);
    assert.match(context.stdout(), /^hypervisor: +xen \(detected: systemd-detect-virt --vm said xen\)$/m);
    assert.match(context.stderr(), /warning: --gzip compresses the image, but its name worker\.img does not end in \.gz/);
    assert.deepEqual(changing(system.runner.calls), []);
    assert.deepEqual(await readdir(snap), []);
  });

  it('checks come before anything runs: not root → no command at all', async () => {
    const system = machine(1000);
    await assert.rejects(runSaveImage(options({ dryRun: false }), fakeContext(), system), refuses(/must run as root/));
    assert.deepEqual(system.runner.calls, []);
  });

  it('a missing snapshot directory, or a --resize too small, is refused after look-ups only', async () => {
    const missing = machine();
    await assert.rejects(planSaveImage(options({ snapshotDir: '/nowhere' }), fakeContext(), missing), refuses(/snapshot directory \/nowhere does not exist/));
    const small = machine();
    await assert.rejects(runSaveImage(options({ dryRun: false, resize: 10 * MIB }), fakeContext(), small), refuses(/--resize 10\.0 MiB is too small/, 2));
    assert.deepEqual(changing(small.runner.calls), []);
  });

  it('the kept snapshot\'s own bytes do not count as used space when it lies on the source\'s file system', async () => {
    const usedWith = async (snapshotDevice: number): Promise<number> => {
      const file = join(snap, 'repoman-snapshots', 'repoman-snapshot-worker.img');
      const runner = fakeRunner({
        findmnt: { stdout: JSON.stringify({ filesystems: [{ target: '/', source: '/dev/vda1', fstype: 'ext4', label: null }] }) },
        blkid: (argv) => (argv.includes('--probe') ? { stdout: 'TYPE=ext4\n' } : { code: 2 }),
      });
      const host = fakeHost({
        space: { size: 100 * GIB, used: 10 * GIB, free: 90 * GIB },
        entries: { '/': dirEntry(), [snap]: dirEntry(0o755, 0, 0, snapshotDevice), [file]: { ...dirEntry(0o644), kind: 'file', size: 100 * GIB, allocated: 4 * GIB } },
      });
      return (await planSaveImage(options(), fakeContext(), { runner, host })).source.used;
    };
    assert.equal(await usedWith(1), 6 * GIB, 'same file system: the snapshot is taken out');
    assert.equal(await usedWith(2), 10 * GIB, 'a second disk: nothing to take out');
  });

  it('a held lock refuses the run before the server is asked', async () => {
    await mkdir(join(snap, 'repoman-snapshots'), { mode: 0o700 });
    const lockFile = join(snap, 'repoman-snapshots', 'repoman-save-image.lock');
    await writeFile(lockFile, '777\n');
    const system = machine();
    const host = { ...system.host, isAlive: (pid: number) => pid === 777 };
    await assert.rejects(runSaveImage(options({ dryRun: false }), fakeContext(), { runner: system.runner, host }), refuses(/another repoman save-image \(pid 777\)/));
    assert.equal(await readFile(lockFile, 'utf8'), '777\n');
    await rm(lockFile);
  });
});
