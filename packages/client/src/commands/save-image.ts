/**
 * `repoman save-image NAME` (2011: `save`): snapshots the running machine — or, with
 * `--source DIR`, a directory tree such as a chroot — into an image and uploads it, in one
 * command (SPEC §4, the paper's §3). The checks come first and change nothing (root, tools,
 * sizes, free space, the lock); then, under the lock, the server is asked (credential,
 * read-only, replace?), the sparse snapshot file is made or reused, loop-mounted, filled by
 * rsync, the system directories recreated empty, unmounted, optionally gzipped, and uploaded
 * with the metadata. Any failure or Ctrl-C unmounts and detaches before the command ends, and
 * the server keeps the previous image. `--dry-run` prints the plan. The snapshot lives in a
 * root-only directory, credentials stay out unless `--include-credentials`, and `--disk`
 * (with `--format qcow2`) makes an image that boots by itself. The system tools are
 * reached through an injected runner and host (`runSaveImage`), so the flow is unit-testable.
 */
import { randomUUID } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageFields } from '@repoman/api';
import { CliError, UsageError } from '../cli/cli-errors.js';
import type { CommandContext } from '../cli/command-context.js';
import { defineCommand } from '../cli/command-spec.js';
import { formatBytes } from '../cli/format.js';
import { println } from '../cli/io-streams.js';
import { addMetadataOptions, readMetadata } from '../cli/metadata-flags.js';
import { printJson } from '../cli/output.js';
import { collect, parseImageArg, parseSize } from '../cli/parse-values.js';
import { findBootFiles } from '../snapshot/boot-probe.js';
import { systemRunner, type CommandRunner } from '../snapshot/command-runner.js';
import { buildExcludes } from '../snapshot/exclude-list.js';
import { detectHypervisor } from '../snapshot/hypervisor-detection.js';
import { prepareTarget, publishSnapshot } from '../snapshot/image-publish.js';
import { findKeyFiles } from '../snapshot/key-scan.js';
import { cleanUp, executeSteps } from '../snapshot/plan-executor.js';
import { formatPlan } from '../snapshot/plan-report.js';
import { BASE_TOOLS, checkLockFree, checkRoot, checkSizes, checkSudoProxy, checkTools, toolsOf } from '../snapshot/preflight-checks.js';
import { checkPrivateDir, makePrivateDir } from '../snapshot/private-dir.js';
import { snapshotPaths, makePlan, PARTITION_OFFSET, PRIVATE_DIR_NAME, type ImageFormat, type SnapshotPlan } from '../snapshot/snapshot-plan.js';
import { probeSnapshotFile, withoutSnapshot } from '../snapshot/snapshot-file-probe.js';
import { systemHost, type SnapshotHost } from '../snapshot/snapshot-host.js';
import { acquireLock } from '../snapshot/snapshot-lock.js';
import { probeSource } from '../snapshot/source-probe.js';

export const DEFAULT_SNAPSHOT_DIR = '/tmp';

export interface SaveImageOptions {
  readonly name: string;
  readonly resize: number | undefined;
  readonly snapshotDir: string | undefined;
  readonly excludes: readonly string[];
  readonly excludeFrom: string | undefined;
  readonly source: string | undefined;
  readonly gzip: boolean;
  /** A whole bootable disk (`--disk`). */
  readonly disk?: boolean | undefined;
  readonly format?: ImageFormat | undefined;
  readonly compress?: boolean | undefined;
  readonly includeCredentials?: boolean | undefined;
  /** `--new-uuid`: the disk's file system gets a fresh UUID, not the source's. */
  readonly newUuid?: boolean | undefined;
  readonly clean: boolean;
  readonly dryRun: boolean;
  readonly force: boolean;
  /** `--full`: upload the whole image even when the server holds a previous version. */
  readonly full?: boolean | undefined;
  readonly fields: ImageFields;
  readonly json: boolean;
}

export interface SnapshotSystem {
  readonly runner: CommandRunner;
  readonly host: SnapshotHost;
}

/** Everything up to the plan: the checks and facts, with no side effects. */
export async function planSaveImage(options: SaveImageOptions, context: CommandContext, system: SnapshotSystem): Promise<SnapshotPlan> {
  const { runner, host } = system;
  checkRoot(host);
  const format = options.format ?? 'raw';
  if (options.gzip && format === 'qcow2') throw new UsageError('--gzip and --format qcow2 do not go together: give --compress for a compressed qcow2');
  if (options.compress && format !== 'qcow2') throw new UsageError('--compress compresses a qcow2: add --format qcow2 (or use --gzip for a raw image)');
  const settings = context.settings();
  await checkSudoProxy(settings.proxy, context.env, host);
  await checkTools(runner, BASE_TOOLS);
  const { config } = settings;
  const wanted = options.snapshotDir ?? config.snapshotDir ?? DEFAULT_SNAPSHOT_DIR;
  const parentDir = await host.realpath(wanted).catch(() => undefined);
  if (!parentDir || (await host.entry(parentDir))?.kind !== 'directory') {
    throw new CliError(`the snapshot directory ${wanted} does not exist: create it (on a disk with room for the image) or choose another with --snapshot-dir`);
  }
  const snapshotDir = join(parentDir, PRIVATE_DIR_NAME);
  await checkPrivateDir(snapshotDir, host);
  const paths = snapshotPaths(snapshotDir, options.name);
  const source = await probeSource(options.source ?? '/', runner, host);
  const boot = options.disk ? await findBootFiles(source.root, host) : undefined;
  let fromFile: string | undefined;
  if (options.excludeFrom !== undefined) {
    fromFile = await readFile(options.excludeFrom, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read --exclude-from ${options.excludeFrom} (${error.code ?? String(error)})`);
    });
  }
  const excludes = buildExcludes({
    root: source.root, snapshotDir, lockFile: paths.lockFile, systemExcludes: config.systemExcludes, userExcludes: config.userExcludes,
    flags: options.excludes, fromFile, includeCredentials: options.includeCredentials,
  });
  const systemEntries = new Map(await Promise.all(excludes.systemDirs.map(async (dir) => [dir, await host.entry(join(source.root, dir))] as const)));
  const existing = await probeSnapshotFile(paths.file, runner, host, boot ? PARTITION_OFFSET : 0);
  const plan = makePlan({
    name: options.name, source: await withoutSnapshot(source, parentDir, existing, host), excludes, systemEntries, snapshotDir,
    snapshotSpace: await host.space(parentDir), existing, resize: options.resize, clean: options.clean, gzip: options.gzip,
    disk: boot && { ...boot, keepUuid: options.newUuid ? undefined : source.uuid, newUuid: randomUUID() },
    format, compress: options.compress, keyFiles: await findKeyFiles(source.root, excludes.excludes, runner, host),
  });
  await checkTools(runner, toolsOf(plan));
  checkSizes(plan);
  return plan;
}

export async function runSaveImage(options: SaveImageOptions, context: CommandContext, system: SnapshotSystem): Promise<void> {
  const { runner, host } = system;
  const warn = (message: string): void => context.note(`warning: ${message}`);
  const plan = await planSaveImage(options, context, system);
  const lockState = await checkLockFree(plan, host);
  if (plan.fsTypeNote) warn(plan.fsTypeNote);
  if (options.gzip && !options.name.endsWith('.gz')) warn(`--gzip compresses the image, but its name ${options.name} does not end in .gz`);
  if (!options.gzip && options.name.endsWith('.gz')) warn(`${options.name} ends in .gz, but without --gzip the image is uploaded uncompressed`);
  const fields: ImageFields = { ...options.fields };
  let hypervisor = `${fields.hypervisor ?? ''} (--hypervisor)`;
  if (fields.hypervisor === undefined) {
    const detected = await detectHypervisor(runner, host);
    if (detected) fields.hypervisor = detected.hypervisor;
    hypervisor = detected ? `${detected.hypervisor} (detected: ${detected.how})` : 'not detected: left as it is (give --hypervisor)';
  }

  if (options.dryRun) {
    const lockLine = lockState.state === 'stale' ? [['lock', `a stale lock (pid ${lockState.pid ?? '?'}, not running) would be taken over`] as const] : [];
    for (const line of formatPlan(plan, [['upload', `${options.name}${options.gzip ? ' (gzip)' : ''}`], ['hypervisor', hypervisor], ...lockLine])) println(context.io, line);
    return;
  }

  if (plan.keyFiles.length > 0) warn(`key-like files go into the image: ${plan.keyFiles.join(' ')} (leave them out with --exclude)`);
  await makePrivateDir(plan.snapshotDir, host);
  const lock = await acquireLock(plan.lockFile, host.pid, (pid) => host.isAlive(pid));
  if (lock.tookOverFrom !== undefined) {
    warn(`took over the lock ${plan.lockFile} left by ${lock.tookOverFrom === 'unreadable' ? 'an unknown process' : `pid ${lock.tookOverFrom}`}, which is no longer running`);
  }
  try {
    const existing = await prepareTarget(context, options.name, options.force);
    const release = context.holdExit();
    try {
      await cleanUp(plan, { runner, warn }); // leftovers of a run killed outright
      await executeSteps(plan, {
        runner, signal: context.signal, warn,
        onStep: (step) => context.chatty && !step.minor && context.note(`${step.title}…`),
      });
    } finally {
      release();
    }
    const record = await publishSnapshot(context, { name: options.name, file: plan.uploadFile, fields, existing, diskFormat: options.gzip ? 'gzip' : plan.format, full: options.full });
    if (options.json) printJson(context.io, record);
    else {
      println(context.io, `saved ${plan.source.root} as ${record.owner}/${record.name}: version ${record.version}, ${formatBytes(record.size)}, `
        + `sha256 ${record.checksum?.value ?? '-'}; the snapshot ${plan.file} is kept for the next run`);
    }
  } finally {
    if (plan.gzip) await unlink(plan.gzFile).catch(() => undefined);
    if (plan.format === 'qcow2') await unlink(plan.qcow2File).catch(() => undefined);
    await lock.release();
  }
}

export const saveImageCommand = defineCommand<SaveImageOptions>({
  name: 'save-image',
  aliases: ['save'],
  summary: 'snapshot this machine (or a directory tree) into an image and upload it (as root)',
  examples: [
    'sudo -E repoman save-image worker.img --snapshot-dir /mnt/scratch --description "SL 5.5 worker" --os-variant sl55',
    'sudo -E repoman save-image worker.img.gz --gzip --resize 20G --exclude /root/.ssh --exclude-from ~/secrets.txt',
    'sudo -E repoman save-image chroot.img --source /srv/chroot --resize 4G --dry-run',
    'sudo -E repoman save-image worker.qcow2 --disk --format qcow2 --compress',
  ],
  configure: (command) => {
    command
      .argument('<NAME>', 'the image to create or replace (in your namespace)')
      .option('--source <DIR>', 'snapshot this directory tree (a chroot) instead of /')
      .option('--resize <SIZE>', 'size of the image (K M G T suffixes); default: the used space plus 30% and 256 MiB')
      .option('--snapshot-dir <DIR>', `where the snapshot file is made and kept (default: [ThisImage] snapshot_dir, else ${DEFAULT_SNAPSHOT_DIR}; a large second disk is best)`)
      .option('--exclude <PATTERN>', 'leave this out, e.g. /root/.ssh (rsync pattern, / is the source\'s root; repeatable)', collect)
      .option('--exclude-from <FILE>', 'leave out the patterns listed in FILE, one per line')
      .option('--gzip', 'compress the image before uploading (name it .gz)')
      .option('--disk', 'a whole bootable disk: partition table, the root partition (UUID kept), extlinux booting the source\'s /boot kernel')
      .option('--format <FORMAT>', 'raw (default) or qcow2 (converted with qemu-img)')
      .option('--compress', 'compress the qcow2 (with --format qcow2)')
      .option('--new-uuid', 'give the disk\'s file system a new UUID instead of the source\'s (with --disk)')
      .option('--include-credentials', 'keep SSH keys, host keys, grid proxies and keys, cloud-init instance state (left out by default)')
      .option('--clean', 'make the snapshot file afresh instead of updating the last one')
      .option('--dry-run', 'print the plan (sizes, excludes, commands) and change nothing')
      .option('-f, --force', 'replace an existing image without asking')
      .option('--full', 'upload the whole image, not only the blocks changed since the version on the server');
    addMetadataOptions(command).option('--json', 'print the image record as JSON');
  },
  parse: ({ args, flags }) => {
    const ref = parseImageArg(args[0], undefined);
    if (ref.owner) throw new UsageError('save-image saves into your own namespace: give NAME without OWNER/');
    const text = (key: string): string | undefined => (typeof flags[key] === 'string' ? (flags[key] as string) : undefined);
    const resize = text('resize');
    const format = text('format');
    if (format !== undefined && format !== 'raw' && format !== 'qcow2') throw new UsageError(`--format ${format}: give raw or qcow2`);
    return {
      name: ref.name, resize: resize === undefined ? undefined : parseSize(resize), snapshotDir: text('snapshotDir'),
      excludes: (flags.exclude as string[] | undefined) ?? [], excludeFrom: text('excludeFrom'), source: text('source'),
      gzip: flags.gzip === true, disk: flags.disk === true, format, compress: flags.compress === true,
      includeCredentials: flags.includeCredentials === true, newUuid: flags.newUuid === true, clean: flags.clean === true, dryRun: flags.dryRun === true, force: flags.force === true, full: flags.full === true,
      fields: readMetadata(flags), json: flags.json === true,
    };
  },
  run: (options, context) => runSaveImage(options, context, { runner: systemRunner(context.env), host: systemHost(context.uid) }),
});
