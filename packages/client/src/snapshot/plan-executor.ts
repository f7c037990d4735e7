/**
 * Runs the plan's commands in order, and on any failure — a command that fails (rsync's
 * error, a full image), Ctrl-C (the abort signal kills the running command) — cleans up
 * before it answers: unmounts the snapshot (retrying while it is busy, lazily as a last
 * resort), detaches every loop device still backed by the snapshot file, removes the mount
 * point and a half-written gzip or qcow2. The snapshot file itself is kept: the next run reuses it.
 * Errors come back as one line saying what failed and that nothing was uploaded.
 */
import { unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../cli/cli-errors.js';
import type { CommandResult, CommandRunner } from './command-runner.js';
import type { PlanStep, SnapshotPlan } from './snapshot-plan.js';

export interface ExecuteOptions {
  readonly runner: CommandRunner;
  readonly signal: AbortSignal;
  /** Called as each step starts. */
  readonly onStep?: ((step: PlanStep) => void) | undefined;
  readonly warn: (message: string) => void;
  /** Pause between unmount attempts of the cleanup (ms). */
  readonly retryDelayMs?: number | undefined;
}

const NOTHING_SENT = 'nothing was uploaded: the server keeps the previous version';

const RSYNC_EXITS: Record<number, string> = {
  1: 'syntax or usage error', 3: 'errors selecting files', 11: 'error in file I/O', 12: 'error in the data stream',
  20: 'killed by a signal', 23: 'some files could not be copied', 30: 'timeout',
};

export async function executeSteps(plan: SnapshotPlan, options: ExecuteOptions): Promise<void> {
  const { runner, signal } = options;
  try {
    for (const step of plan.steps) {
      if (signal.aborted) throw interrupted();
      options.onStep?.(step);
      let result: CommandResult;
      try {
        result = await runner.run(step.argv, { signal, input: step.input });
      } catch (error) {
        throw new CliError(`${step.title}: cannot run ${step.argv[0]} (${(error as NodeJS.ErrnoException).code ?? String(error)}); ${NOTHING_SENT}`);
      }
      if (signal.aborted) throw interrupted();
      if (result.code !== 0 && !step.tolerate?.includes(result.code)) throw failure(step, result, plan);
      if (result.code === 24 && step.argv[0] === 'rsync') options.warn('some files vanished while rsync copied them (normal on a running machine)');
    }
  } catch (error) {
    await cleanUp(plan, options);
    throw error;
  }
}

function interrupted(): CliError {
  return new CliError(`interrupted: the snapshot was unmounted and ${NOTHING_SENT}`, ExitCode.INTERRUPTED);
}

function lastLines(text: string, count: number): string {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '').slice(-count).join(' / ');
}

function failure(step: PlanStep, result: CommandResult, plan: SnapshotPlan): CliError {
  const tool = step.argv[0] ?? '';
  const how = result.signal ? `was killed by ${result.signal}` : `exited ${result.code}${tool === 'rsync' && RSYNC_EXITS[result.code] ? ` (${RSYNC_EXITS[result.code]})` : ''}`;
  let advice = '';
  if (/No space left on device/i.test(result.stderr)) {
    advice = `; the image is full: give a bigger --resize than ${plan.size} bytes, or exclude more`;
  } else if (/Input\/output error/i.test(result.stderr)) {
    advice = `; the disk holding ${plan.snapshotDir} may be full: free space there, or choose another --snapshot-dir`;
  }
  const said = lastLines(result.stderr, 3);
  return new CliError(`${step.title} failed: ${tool} ${how}${said ? `: ${said}` : ''}${advice}; the snapshot was unmounted and ${NOTHING_SENT}`);
}

/** Leaves no mount, loop device, mount point or partial gzip behind; never throws. */
export async function cleanUp(plan: SnapshotPlan, options: Pick<ExecuteOptions, 'runner' | 'warn' | 'retryDelayMs'>): Promise<void> {
  const { runner, warn } = options;
  const run = (argv: string[]): Promise<CommandResult | undefined> => runner.run(argv).catch(() => undefined);
  const mounted = async (): Promise<boolean> => (await run(['findmnt', '--noheadings', '--mountpoint', plan.mountPoint]))?.code === 0;
  for (let attempt = 0; attempt < 5 && (await mounted()); attempt += 1) {
    if ((await run(['umount', plan.mountPoint]))?.code === 0) break;
    await sleep(options.retryDelayMs ?? 500);
  }
  if (await mounted()) {
    await run(['umount', '--lazy', plan.mountPoint]);
    warn(`${plan.mountPoint} was busy: it was detached lazily and is unmounted once nothing uses it`);
  }
  const loops = await run(['losetup', '--associated', plan.file]);
  for (const line of (loops?.stdout ?? '').split('\n')) {
    const device = /^(\/dev\/[^:]+):/.exec(line)?.[1];
    if (device && (await run(['losetup', '--detach', device]))?.code !== 0) warn(`cannot detach ${device}: run losetup --detach ${device}`);
  }
  await run(['rmdir', plan.mountPoint]);
  if (plan.gzip) await unlink(plan.gzFile).catch(() => undefined);
  if (plan.format === 'qcow2') await unlink(plan.qcow2File).catch(() => undefined);
}
