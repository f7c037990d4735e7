#!/usr/bin/env node
/**
 * The `repoman` executable: runs the command line with the process's streams and environment,
 * turns Ctrl-C into an abort of the running transfer (a second Ctrl-C, or 3 s without an end,
 * exits at once — unless the command holds the exit while it cleans up, as save-image does
 * while its snapshot is mounted: then it ends by itself once unmounted, and SIGTERM and SIGHUP
 * abort it the same way), and exits with the command's code (0 ok, 1 error, 2 usage, 3 auth,
 * 4 not found, 130 interrupted).
 */
import { homedir } from 'node:os';
import { ExitCode } from './cli/cli-errors.js';
import { processStreams } from './cli/io-streams.js';
import { runCli } from './cli/program.js';
import { COMMANDS } from './commands/index.js';

const controller = new AbortController();
let holds = 0;
const exitUnlessHeld = (): void => {
  if (holds === 0) process.exit(ExitCode.INTERRUPTED);
  setTimeout(exitUnlessHeld, 500).unref();
};
process.on('SIGINT', () => {
  if (controller.signal.aborted) {
    if (holds === 0) process.exit(ExitCode.INTERRUPTED);
    process.stderr.write('repoman: cleaning up (unmounting the snapshot); please wait\n');
    return;
  }
  controller.abort();
  setTimeout(exitUnlessHeld, 3000).unref();
});
// While a command holds the exit, SIGTERM and SIGHUP also abort it (and it cleans up) instead
// of killing the process outright.
const abortGently = (): void => {
  if (!controller.signal.aborted) controller.abort();
  setTimeout(exitUnlessHeld, 3000).unref();
};
const holdExit = (): (() => void) => {
  holds += 1;
  if (holds === 1) for (const name of ['SIGTERM', 'SIGHUP'] as const) process.on(name, abortGently);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds -= 1;
    if (holds === 0) for (const name of ['SIGTERM', 'SIGHUP'] as const) process.off(name, abortGently);
  };
};
// A closed pipe on stdout (`repoman li | head -1`) ends the command quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(ExitCode.ERROR);
  throw error;
});

// Node ends a process whose top-level await never settles with code 13 and no word. Should a
// bug leave the command waiting on nothing, say so in one line and exit 1 instead.
let ended = false;
process.on('exit', () => {
  if (ended || process.exitCode !== 13) return;
  process.stderr.write('repoman: internal error: the command stopped without finishing (please report it, with the command line)\n');
  process.exitCode = ExitCode.ERROR;
});

const code = await runCli(COMMANDS, process.argv.slice(2), {
  io: processStreams(),
  env: process.env,
  home: process.env.HOME || homedir(),
  uid: process.getuid?.() ?? 0,
  signal: controller.signal,
  holdExit,
});
ended = true;
process.exitCode = code;
