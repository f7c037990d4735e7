/**
 * The `repoman-server` command line: picks the command from the leading words (`serve` when
 * none), parses its options with node:util parseArgs (`--config FILE` and `--help` everywhere;
 * `--version`), and runs it with a context built from the real process. `COMMAND --help` lists
 * the command's options; `admin --help` the admin commands. Usage mistakes exit 2, failures 1.
 *
 * Run through its executable, bin/repoman-server.js (`repoman-server`, `npm start`, systemd),
 * node gets two V8 flags from that file's shebang (V8 refuses to change them once running:
 * v8.setFlagsFromString aborts; `node dist/cli.js` runs without):
 * - `--single-threaded-gc`: V8 collects on the main thread alone instead of spreading marking
 *   and sweeping over helper threads. Uploads make garbage at TLS-record rate (node allocates a
 *   Buffer per 16 KiB of request body) and on a 2-core machine the helpers competed with the
 *   main thread and the clients: one collecting thread costs uploads less server CPU per GB.
 * - `--max-semi-space-size=2` (MB): a young generation of 2 MB instead of 16 (V8 grows it to
 *   16 MB twice over under allocation): less resident memory for the same CPU, since
 *   the byte path allocates little. See docs/performance.md.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { adminAddCommand } from './commands/admin-add.js';
import { adminListCommand } from './commands/admin-list.js';
import { adminRemoveCommand } from './commands/admin-remove.js';
import { checkConfigCommand } from './commands/check-config.js';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, type Command, type CommandContext } from './commands/command-context.js';
import { initCommand } from './commands/init.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { MetadataUnavailable } from './metadata/store-errors.js';

const COMMANDS: readonly Command[] = [
  serveCommand,
  initCommand,
  migrateCommand,
  checkConfigCommand,
  adminAddCommand,
  adminListCommand,
  adminRemoveCommand,
];

const GLOBAL_OPTIONS = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

const GLOBAL_OPTION_HELP: readonly (readonly [string, string])[] = [
  ['--config FILE', 'TOML configuration (default: $REPOMAN_CONFIG, else the embedded default in ./var)'],
  ['-h, --help', 'show help (also after a command)'],
];

/** Two columns, the first as wide as its widest entry. */
function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

function commandList(commands: readonly Command[]): string[] {
  return columns(commands.map((c) => [c.words.join(' '), c.summary] as const));
}

function globalHelp(): string {
  return [
    'Usage: repoman-server [COMMAND] [--config FILE]',
    '       repoman-server --version',
    '',
    'Repoman server: an HTTPS repository of virtual-machine images with grid proxy login.',
    '',
    'Commands:',
    ...commandList(COMMANDS),
    '',
    'Options:',
    ...columns([...GLOBAL_OPTION_HELP, ['--version', 'print the version']]),
    '',
    'Every configuration key can be overridden with REPOMAN_<SECTION>_<KEY>, e.g. REPOMAN_SERVER_HTTPS_PORT=9443.',
    'COMMAND --help shows the options of a command.',
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: repoman-server ${command.usage}`,
    '',
    `${command.summary[0]?.toUpperCase() ?? ''}${command.summary.slice(1)}.`,
    '',
    'Options:',
    ...columns([...command.optionHelp, ...GLOBAL_OPTION_HELP]),
    '',
  ].join('\n');
}

/** Help for a group of commands sharing a first word (`admin`). */
function groupHelp(word: string, commands: readonly Command[]): string {
  return [
    `Usage: repoman-server ${word} COMMAND [OPTIONS]`,
    '',
    'Commands:',
    ...commandList(commands),
    '',
    `repoman-server ${word} COMMAND --help shows its options.`,
    '',
  ].join('\n');
}

function version(): string {
  // package.json sits one level above both src/ and dist/.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `repoman-server ${pkg.version}\n`;
}

export async function main(args: readonly string[], context: CommandContext): Promise<number> {
  const allOptions = Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)) as NonNullable<ParseArgsConfig['options']>;
  const loose = parseArgs({ args: [...args], options: allOptions, allowPositionals: true, strict: false });
  const words = loose.positionals;
  if (loose.values.version === true) return help(context, version());
  const command = words.length === 0 ? serveCommand : COMMANDS.find((c) => c.words.every((word, i) => words[i] === word));
  if (command === undefined) {
    const group = COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === words[0]);
    if (group.length > 0 && words.length === 1) {
      if (loose.values.help === true) return help(context, groupHelp(words[0]!, group));
      context.stderr.write(`repoman-server: "${words[0]}" needs a command\n\n${groupHelp(words[0]!, group)}`);
      return EXIT_USAGE;
    }
    if (loose.values.help === true) return help(context, globalHelp());
    context.stderr.write(`repoman-server: unknown command "${words.join(' ')}"\n\n${globalHelp()}`);
    return EXIT_USAGE;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    context.stderr.write(`repoman-server: ${(error as Error).message}\nUsage: repoman-server ${command.usage}\n`);
    return EXIT_USAGE;
  }
  if (parsed.values.help === true) {
    return help(context, words.length === 0 ? globalHelp() : commandHelp(command));
  }
  if (parsed.positionals.length !== (words.length === 0 ? 0 : command.words.length)) {
    context.stderr.write(`repoman-server: unexpected argument "${parsed.positionals.slice(command.words.length).join(' ')}"\nUsage: repoman-server ${command.usage}\n`);
    return EXIT_USAGE;
  }
  const configFile = typeof parsed.values.config === 'string' ? parsed.values.config : undefined;
  return command.run(parsed.values as Record<string, string | boolean | undefined>, context, configFile);
}

function help(context: CommandContext, text: string): number {
  context.stdout.write(text);
  return EXIT_OK;
}

function processContext(): CommandContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    waitForShutdown: () =>
      new Promise((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(signal);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }),
  };
}

main(process.argv.slice(2), processContext()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A database out of reach is the operator's to fix: one line, no stack.
    const text = error instanceof MetadataUnavailable ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`repoman-server: ${text}\n`);
    process.exitCode = EXIT_ERROR;
  },
);
