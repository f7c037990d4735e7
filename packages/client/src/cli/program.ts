/**
 * The `repoman` program: commander set up with the global options and every command of the
 * table it is given (name, 2011 aliases, options, an example in its help) — `commands/index.ts`,
 * handed down by cli.ts, since the commands stand on this folder — the command line
 * normalized first (`normalizeArgv`), commander's own usage errors turned into exit 2 with one
 * line, and each command's `parse` step run before its `run`. `parseCommandLine` stops after
 * parsing, for tests; `runCli` runs, maps every error to its exit code and answers it.
 */
import { Command, CommanderError, Option } from 'commander';
import { CLIENT_VERSION } from '../version.js';
import { InvalidValueError } from '../wire/api-errors.js';
import { CliError, describeError, ExitCode, UsageError } from './cli-errors.js';
import { createContext, type ContextDependencies, type GlobalOptions } from './command-context.js';
import type { AnyCommand } from './command-spec.js';
import { eprintln } from './io-streams.js';
import { explainMissingImage } from './missing-image.js';
import { exampleLines, helpLayout } from './help-layout.js';
import { BOOLEAN_FLAGS, normalizeArgv } from './normalize-argv.js';
import { isBooleanWord } from './parse-values.js';

type Dispatch = (spec: AnyCommand, options: unknown, globals: GlobalOptions) => Promise<void>;

export function buildProgram(commands: readonly AnyCommand[], dispatch: Dispatch, write: { out: (text: string) => void; err: (text: string) => void }): Command {
  const program = new Command('repoman')
    .description('repoman: upload, share and download virtual-machine images in a Repoman repository, with your grid proxy')
    // `--version` before a command is rewritten to -V (normalize-argv.ts): after one it is download-image's.
    .version(CLIENT_VERSION, '-V', 'output the version number (also --version, before any command)')
    .option('--server <HOST[:PORT]|URL>', 'the repository (default: $REPOMAN_SERVER, then the config files)')
    .option('--proxy <FILE>', 'grid proxy to use (default: config, $X509_USER_PROXY, /tmp/x509up_u<uid>)')
    .option('--ca-dir <DIR>', 'grid CA directory to verify the server (default: config, $X509_CERT_DIR, /etc/grid-security/certificates)')
    .option('--ca-file <FILE>', 'PEM bundle of CAs to verify the server')
    .addOption(new Option('--insecure', 'do not verify the server certificate (unsafe; never the default)'))
    .option('-q, --quiet', 'no progress bars or transfer summaries, even on a terminal')
    .configureHelp(helpLayout)
    .addHelpText('after', [
      '',
      'Exit codes: 0 ok, 1 error, 2 usage, 3 credential/authentication, 4 not found,',
      '130 interrupted. Images are NAME (yours) or OWNER/NAME (another user\'s).',
      'Run `repoman COMMAND --help` for a command\'s options and an example.',
    ].join('\n'))
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: write.out, writeErr: write.err, outputError: () => undefined })
    .exitOverride();

  for (const spec of commands) {
    const command = program.command(spec.name).summary(spec.summary).description(spec.summary);
    for (const alias of spec.aliases ?? []) command.alias(alias);
    spec.configure(command);
    command
      .addHelpText('after', `\nExample${spec.examples.length > 1 ? 's' : ''}:\n${spec.examples.map((line) => exampleLines(line)).join('\n')}\n`)
      .configureOutput({ writeOut: write.out, writeErr: write.err, outputError: () => undefined })
      .exitOverride()
      .action(async (...received: unknown[]) => {
        const self = received[received.length - 1] as Command;
        let options: unknown;
        try {
          options = spec.parse({ args: self.processedArgs as unknown[], flags: self.opts() });
        } catch (error) {
          // A value the user gave that the layers below refuse; any other error (a TypeError
          // included) is a bug, reported as such by describeError, not as a usage error.
          if (error instanceof InvalidValueError) throw new UsageError(error.message);
          throw error;
        }
        await dispatch(spec, options, program.opts<GlobalOptions>());
      });
  }
  return program;
}

/** Turns a commander exit (help, version, usage error) into an exit code and a line. */
function commanderExit(commands: readonly AnyCommand[], error: CommanderError, argv: readonly string[], err: (text: string) => void): number {
  if (['commander.helpDisplayed', 'commander.version'].includes(error.code)) return ExitCode.OK;
  if (error.code === 'commander.help') return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  // Commander puts its suggestion on a second line: keep it on the one line printed.
  let message = error.message.replace(/^error:\s*/, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)');
  if (error.code === 'commander.excessArguments') message = misreadBoolean(argv) ?? message;
  const named = argv.find((word) => commands.some((spec) => word === spec.name || spec.aliases?.includes(word)));
  const command = commands.find((spec) => named === spec.name || (named !== undefined && spec.aliases?.includes(named)));
  err(`repoman: ${message.split('\n')[0]} (see repoman ${command ? `${command.name} ` : ''}--help)\n`);
  return ExitCode.USAGE;
}

/**
 * `--read-only maybe`: a yes/no flag takes the next word only when it is a yes/no word, so
 * `maybe` became an extra argument; say what the flag expects instead of "too many arguments".
 */
function misreadBoolean(argv: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < argv.length; i += 1) {
    const name = (argv[i] ?? '').replace(/^--/, '').replace(/_/g, '-');
    const next = argv[i + 1] ?? '';
    if (argv[i]?.startsWith('--') && BOOLEAN_FLAGS.has(name) && !next.startsWith('-') && !isBooleanWord(next)) {
      return `--${name} expects true or false (yes/no), not "${next}"`;
    }
  }
  return undefined;
}

export interface ParsedCommandLine {
  readonly command: string;
  readonly options: unknown;
  readonly globals: GlobalOptions;
}

/** Parses a command line without running anything; throws `CliError` (usage errors: exit 2). */
export async function parseCommandLine(commands: readonly AnyCommand[], argv: readonly string[]): Promise<ParsedCommandLine | undefined> {
  let parsed: ParsedCommandLine | undefined;
  let errText = '';
  const program = buildProgram(commands, async (spec, options, globals) => {
    parsed = { command: spec.name, options, globals };
  }, { out: () => undefined, err: (text) => (errText += text) });
  try {
    await program.parseAsync(normalizeArgv(argv), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const code = commanderExit(commands, error, argv, (text) => (errText += text));
      if (code === ExitCode.OK) return undefined;
      throw new CliError(errText.trim(), code);
    }
    throw error;
  }
  return parsed;
}

/** Runs `repoman` with `argv` (without node and the script) and answers the exit code. */
export async function runCli(commands: readonly AnyCommand[], argv: readonly string[], deps: ContextDependencies): Promise<number> {
  const { io } = deps;
  const write = { out: (text: string) => void io.stdout.write(text), err: (text: string) => void io.stderr.write(text) };
  const program = buildProgram(commands, async (spec, options, globals) => {
    const context = createContext(deps, globals);
    try {
      await spec.run(options, context);
    } catch (error) {
      throw await explainMissingImage(error, options, context);
    } finally {
      context.close();
    }
  }, write);
  try {
    await program.parseAsync(normalizeArgv(argv), { from: 'user' });
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(commands, error, argv, write.err);
    const { message, exitCode } = describeError(error);
    eprintln(io, `repoman: ${message}`);
    return exitCode;
  }
}
