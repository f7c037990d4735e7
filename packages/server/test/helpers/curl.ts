/**
 * Drives the real `curl` binary, as users and clouds do: with a grid proxy file as both
 * certificate and key (`--cert P --key P`), the server verified against the grid CA
 * directory (`--capath`). Returns the status, the response headers and the body. `curl()`
 * waits for it; `startCurl()` runs it in the background, for concurrent transfers and for
 * transfers a test cuts (by killing the child).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface CurlResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** curl's own exit code (0 unless the transfer failed). */
  exitCode: number;
  stderr: string;
}

export interface CurlOptions {
  /** Grid proxy (or certificate+key) file to present; none: anonymous. */
  credential?: string;
  caDir: string;
  method?: string;
  /** JSON body. */
  json?: unknown;
  /** Any further curl arguments (e.g. `-H`, `--data-binary @file`, `-o`). */
  args?: string[];
}

function curlArgs(url: string, options: CurlOptions): string[] {
  const args = ['-sS', '-D', '-', '--capath', options.caDir];
  if (options.credential) args.push('--cert', options.credential, '--key', options.credential);
  if (options.method) args.push('-X', options.method);
  if (options.json !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(options.json));
  args.push(...(options.args ?? []), url);
  return args;
}

export function curl(url: string, options: CurlOptions): CurlResult {
  const result = spawnSync('curl', curlArgs(url, options), { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return parseCurlOutput(result.stdout ?? '', result.status ?? -1, result.stderr ?? '');
}

export interface RunningCurl {
  readonly child: ChildProcess;
  /** Settles when curl exits (killed or not); its body is at most 64 MiB of text. */
  readonly result: Promise<CurlResult>;
}

/** Starts curl without waiting for it. */
export function startCurl(url: string, options: CurlOptions): RunningCurl {
  const child = spawn('curl', curlArgs(url, options), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stdout.length < 64 * 1024 * 1024) stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<CurlResult>((resolve) => {
    child.once('close', (code, signal) => resolve(parseCurlOutput(stdout, code ?? (signal ? -1 : 0), stderr)));
  });
  return { child, result };
}

function parseCurlOutput(output: string, exitCode: number, stderr: string): CurlResult {
  // With -D -, header blocks (one per response, e.g. after 100-continue) precede the body.
  let rest = output;
  let status = 0;
  let headers: Record<string, string> = {};
  while (/^HTTP\/[\d.]+ \d{3}/.test(rest)) {
    const end = rest.indexOf('\r\n\r\n');
    const block = end === -1 ? rest : rest.slice(0, end);
    rest = end === -1 ? '' : rest.slice(end + 4);
    const [statusLine, ...lines] = block.split('\r\n');
    status = Number(statusLine?.split(' ')[1]);
    headers = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(rest);
  } catch {
    json = undefined;
  }
  return { status, headers, body: rest, json, exitCode, stderr };
}
