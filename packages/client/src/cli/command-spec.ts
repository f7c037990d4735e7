/**
 * The shape of one `repoman` command, after GitHub CLI's one-file-per-command: its name and
 * 2011 aliases, a summary and an example for `--help`, `configure` (arguments and options on a
 * commander Command), `parse` (commander's raw values → the command's typed options, or a
 * `UsageError`) and `run` (the work, with everything it touches — streams, settings, the API
 * client — taken from the injected `CommandContext`). Parsing never touches the network, so
 * tests check it as a table.
 */
import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';

export interface ParseInput {
  /** Positional arguments as commander processed them (a variadic one is an array). */
  readonly args: readonly unknown[];
  /** The command's own options (camelCase keys). */
  readonly flags: Readonly<Record<string, unknown>>;
}

export interface CommandSpec<O> {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly summary: string;
  /** Command lines shown under "Example" in `--help`. */
  readonly examples: readonly string[];
  configure(command: Command): void;
  parse(input: ParseInput): O;
  run(options: O, context: CommandContext): Promise<void>;
}

/** A command of any options type, as the program holds them. */
export type AnyCommand = CommandSpec<unknown>;

export function defineCommand<O>(spec: CommandSpec<O>): AnyCommand {
  return spec as unknown as AnyCommand;
}
