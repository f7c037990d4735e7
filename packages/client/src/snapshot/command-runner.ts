/**
 * How save-image runs system tools (rsync, mkfs, mount, losetup, findmnt…): a narrow
 * interface, so that the plan and the checks can be unit-tested with a fake, and one real
 * implementation over `child_process.spawn`. Commands are looked up in `$PATH`, then in the
 * sbin directories (mkfs and losetup live there, and a user's PATH often lacks them). Each
 * child runs in a process group of its own; its stdin ends at once, after the text it is
 * given if any. An abort sends SIGTERM to the whole group (a wrapper script and what it
 * started) and the promise settles once it has exited,
 * so that nothing still holds the mounted snapshot when the caller cleans up.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface CommandResult {
  /** The exit code; -1 when the command was ended by a signal. */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The last 64 KiB of its stderr. */
  readonly stderr: string;
}

export interface RunCommandOptions {
  /** Aborting kills the command (SIGTERM to its process group); the result then says so. */
  readonly signal?: AbortSignal | undefined;
  /** Text written to the command's standard input (else it has none). */
  readonly input?: string | undefined;
}

export interface CommandRunner {
  /**
   * Runs `argv[0]` with the other words as arguments and answers its exit code and output.
   * A non-zero exit is an answer, not an error; a command that cannot be found or started
   * rejects (`ENOENT`). Settles only after the command has exited.
   */
  run(argv: readonly string[], options?: RunCommandOptions): Promise<CommandResult>;
  /** The absolute path of `command`, or undefined when it is not installed. */
  which(command: string): Promise<string | undefined>;
}

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
const STDERR_TAIL = 64 * 1024;

/** The runner of the real system, with the environment the children get (and PATH from it). */
export function systemRunner(env: NodeJS.ProcessEnv = process.env): CommandRunner {
  const dirs = [...(env.PATH ?? '/usr/bin:/bin').split(delimiter).filter((dir) => dir !== ''), ...SBIN];
  const which = async (command: string): Promise<string | undefined> => {
    if (command.includes('/')) return command;
    for (const dir of dirs) {
      const candidate = join(dir, command);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this directory
      }
    }
    return undefined;
  };
  return {
    which,
    async run(argv, options = {}) {
      const [command, ...args] = argv;
      if (command === undefined) throw new TypeError('no command to run');
      const path = await which(command);
      if (!path) throw Object.assign(new Error(`${command}: command not found`), { code: 'ENOENT', path: command });
      return spawnAndWait(path, args, env, options);
    },
  };
}

function spawnAndWait(path: string, args: readonly string[], env: NodeJS.ProcessEnv, options: RunCommandOptions): Promise<CommandResult> {
  const { signal, input } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    child.stdin.on('error', () => undefined); // a command that exits without reading: its exit code tells
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL);
    });
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    if (signal?.aborted) kill();
    signal?.addEventListener('abort', kill, { once: true });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', kill);
      reject(error);
    });
    child.once('close', (code, killedBy) => {
      signal?.removeEventListener('abort', kill);
      resolve({ code: code ?? -1, signal: killedBy, stdout, stderr });
    });
  });
}

/** `argv` as a shell would read it, for plans and messages. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}
