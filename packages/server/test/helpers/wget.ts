/**
 * Drives the real `wget` binary, as clouds and scripts fetch images: with a grid proxy file
 * as both certificate and private key (`--certificate=P --private-key=P`) or anonymously, the
 * server verified against the grid CA directory (`--ca-directory`). `-S` prints the response
 * headers on stderr; the body goes to the `output` file. `startWget()` runs it in the
 * background, for downloads a test cuts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface WgetOptions {
  caDir: string;
  /** Grid proxy (or certificate+key) file; none: anonymous. */
  credential?: string;
  /** Where the body goes (`-O`). */
  output: string;
  /** Further arguments (e.g. `-c`, `--limit-rate=1m`). */
  args?: string[];
}

export interface WgetResult {
  /** wget's exit code: 0 ok, 8 the server answered an error. */
  exitCode: number;
  /** The status of the last response, 0 when none was read. */
  status: number;
  /** wget's log, with the response headers (-S). */
  log: string;
}

function wgetArgs(url: string, options: WgetOptions): string[] {
  const args = ['-S', '--tries=1', '-O', options.output, `--ca-directory=${options.caDir}`];
  if (options.credential) args.push(`--certificate=${options.credential}`, `--private-key=${options.credential}`);
  args.push(...(options.args ?? []), url);
  return args;
}

function toResult(exitCode: number, log: string): WgetResult {
  const statuses = [...log.matchAll(/^\s*HTTP\/[\d.]+ (\d{3})/gm)].map((match) => Number(match[1]));
  return { exitCode, status: statuses.at(-1) ?? 0, log };
}

export function wget(url: string, options: WgetOptions): WgetResult {
  const result = spawnSync('wget', wgetArgs(url, options), { encoding: 'utf8', timeout: 120_000 });
  return toResult(result.status ?? -1, `${result.stdout ?? ''}${result.stderr ?? ''}`);
}

export function startWget(url: string, options: WgetOptions): { child: ChildProcess; result: Promise<WgetResult> } {
  const child = spawn('wget', wgetArgs(url, options), { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const result = new Promise<WgetResult>((resolve) => child.once('close', (code) => resolve(toResult(code ?? -1, log))));
  return { child, result };
}
