/**
 * What every repoman-server command receives instead of reaching for `process`: the environment,
 * the working directory, output streams and a way to wait for a shutdown signal. `cli.ts` builds
 * it from the real process; tests pass their own to capture output. Also the shape of a command
 * module (name, usage, options and their help, run) and the exit codes: 0 ok, 1 error, 2 usage.
 */
import type { ParseArgsConfig } from 'node:util';

export interface Output {
  write(text: string): unknown;
}

export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: Output;
  readonly stderr: Output;
  /** Resolves with the signal's name when the process is asked to stop (SIGINT, SIGTERM). */
  readonly waitForShutdown: () => Promise<string>;
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** Option values as parsed by node:util parseArgs. */
export type OptionValues = Record<string, string | boolean | undefined>;

export interface Command {
  /** Words that select the command: ["serve"], ["admin", "add"]. */
  readonly words: readonly string[];
  readonly summary: string;
  /** The usage line after `repoman-server`, e.g. `admin add --user NAME --dn DN`. */
  readonly usage: string;
  /** Options besides the global `--config FILE` and `--help`. */
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** For `--help`: each option as written (`--user NAME`) and what it does, in `options`' order. */
  readonly optionHelp: readonly (readonly [string, string])[];
  /** Runs the command; resolves with its exit code. `config` is the `--config` value, if any. */
  run(values: OptionValues, context: CommandContext, configFile: string | undefined): Promise<number>;
}
