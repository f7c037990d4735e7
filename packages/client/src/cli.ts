#!/usr/bin/env node
/**
 * The `repoman` executable: runs the command line with the process's streams and environment,
 * turns Ctrl-C into an abort of the running transfer (a second Ctrl-C, or 3 s without an end,
 * exits at once), and exits with the command's code (0 ok, 1 error, 2 usage, 3 auth, 4 not
 * found, 130 interrupted).
 */
import { homedir } from 'node:os';
import { ExitCode } from './cli/cli-errors.js';
import { processStreams } from './cli/io-streams.js';
import { runCli } from './cli/program.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(ExitCode.INTERRUPTED);
  controller.abort();
  setTimeout(() => process.exit(ExitCode.INTERRUPTED), 3000).unref();
});
// A closed pipe on stdout (`repoman li | head -1`) ends the command quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(ExitCode.ERROR);
  throw error;
});

const code = await runCli(process.argv.slice(2), {
  io: processStreams(),
  env: process.env,
  home: process.env.HOME || homedir(),
  uid: process.getuid?.() ?? 0,
  signal: controller.signal,
});
process.exitCode = code;
