/**
 * Runs the built `repoman` (its bundle, packages/client/dist/cli.bundle.js) as a user would: a child process
 * with a clean environment — HOME a temp dir, X509_USER_PROXY, X509_CERT_DIR, REPOMAN_SERVER
 * as given, nothing inherited that could point at a real configuration. Asynchronous, so
 * that an in-process stub server keeps answering while it runs. `runUnderTerminal` runs it
 * under a pseudo-terminal (`script -qc … /dev/null`), where stdout and stderr are a TTY.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.bundle.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stdout as bytes (downloads to `-`). */
  stdoutBytes: Buffer;
  stderr: string;
  /** stdout parsed as JSON, or undefined. */
  json: unknown;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  cwd?: string;
  timeoutMs?: number;
  /** Called with the child once started (e.g. to send it SIGINT). */
  onSpawn?: (child: ChildProcess) => void;
  /** Called on each stderr chunk as it arrives. */
  onStderr?: (text: string) => void;
}

export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { env: cleanEnv(options.env), cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      options.onStderr?.(chunk.toString());
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not end in time:\n${Buffer.concat(err).toString()}`));
    }, options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      const stdout = stdoutBytes.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolveRun({ code, signal, stdout, stdoutBytes, stderr: Buffer.concat(err).toString('utf8'), json });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    options.onSpawn?.(child);
  });
}

export function runRepoman(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], options);
}

/**
 * Runs repoman under a pseudo-terminal; everything it writes comes back on stdout, except
 * stdout itself when `stdoutTo` sends it to a file (stderr alone on the terminal).
 */
export function runUnderTerminal(args: string[], options: RunOptions & { stdoutTo?: string } = {}): Promise<RunResult> {
  const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
  const line = [process.execPath, CLI, ...args].map(quote).join(' ');
  return run('script', ['-qec', options.stdoutTo === undefined ? line : `${line} > ${quote(options.stdoutTo)}`, '/dev/null'], options);
}
